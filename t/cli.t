#!/usr/bin/perl
# The kevyd command line: -v -V -h, bad options, -t / -T / -q, -s without a
# running server.

use v5.36;
use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use File::Temp qw(tempdir);
use Kevyd qw(binary run_kevyd safety_alarm write_file);

plan skip_all => 'objs/kevyd not built' unless -x binary();
safety_alarm(120);

my $dir = tempdir('kevyd-cli-XXXXXX', TMPDIR => 1, CLEANUP => 1);

# A config file holding $text; its name.
my $n = 0;
sub conf_file ($text) {
    my $f = "$dir/kevy" . $n++ . ".conf";
    write_file($f, $text);
    return $f;
}

my $good = conf_file(<<"EOF");
port = 7000;
bind = "127.0.0.1";
worker-processes = 2;
pidfile = "$dir/kevyd.pid";
logfile = "$dir/kevyd.log";
dir = "$dir";
loglevel = "notice";
EOF

# ------------------------------------------------------------ -v -V -h

{
    my ($st, $out, $err) = run_kevyd(['-v']);
    is($st, 0, '-v: exit 0');
    is($err, "kevyd version: kevyd/0.1.0\n", '-v: version on stderr');
    is($out, '', '-v: nothing on stdout');
}

{
    my ($st, $out, $err) = run_kevyd(['-V']);
    is($st, 0, '-V: exit 0');
    like($err, qr/\Akevyd version: kevyd\/0\.1\.0\n/, '-V: version first');
    like($err, qr/^built by /m, '-V: "built by" line');
    like($err, qr/^configure arguments:/m, '-V: "configure arguments:" line');
}

for my $opt ('-h', '-?') {
    my ($st, $out, $err) = run_kevyd([$opt]);
    is($st, 0, "$opt: exit 0");
    like($out . $err, qr/usage:\s*kevyd\b/i, "$opt: usage");
    like($out . $err, qr/-s signal/, "$opt: usage names -s signal");
    like($out . $err, qr/-c\s+file/, "$opt: usage names -c file");
}

{
    my ($st, $out, $err) = run_kevyd(['-x']);
    is($st, 1, '-x: exit 1');
    like($err, qr/^kevyd: invalid option: "-x"$/m, '-x: message');
}

# Messages documented in src/args.h.
{
    my ($st, $out, $err) = run_kevyd(['-s']);
    is($st, 1, '-s without a signal: exit 1');
    like($err, qr/option "-s" requires parameter/, '-s: message');

    ($st, $out, $err) = run_kevyd(['-s', 'foo', '-c', $good]);
    is($st, 1, '-s foo: exit 1');
    like($err, qr/invalid (?:option: "-s foo"|signal "foo")/, "-s foo: message");
}

# ------------------------------------------------------------ -t

{
    my ($st, $out, $err) = run_kevyd(['-t', '-c', $good]);
    is($st, 0, '-t good file: exit 0');
    is($err, "kevyd: the configuration file $good syntax is ok\n"
           . "kevyd: configuration file $good test is successful\n",
       '-t good file: the two lines');
    is($out, '', '-t good file: nothing on stdout');
}

{
    my ($st, $out, $err) = run_kevyd(['-t', '-q', '-c', $good]);
    is($st, 0, '-t -q good file: exit 0');
    is($out . $err, '', '-t -q good file: silent');

    ($st, $out, $err) = run_kevyd(['-tq', '-c', $good]);
    is($st, 0, '-tq (grouped) good file: exit 0');
    is($out . $err, '', '-tq good file: silent');

    ($st, $out, $err) = run_kevyd(['-t', "-c$good"]);
    is($st, 0, '-cFILE (attached value): exit 0');
}

# An empty file is all defaults, and valid.
{
    my $f = conf_file('');
    my ($st, $out, $err) = run_kevyd(['-t', '-c', $f]);
    is($st, 0, '-t empty file: exit 0');
    like($err, qr/configuration file \Q$f\E test is successful/,
         '-t empty file: successful');
}

# Each bad file: [ text, line, exact message or regex, name ]
my @bad = (
    [ "port = 7000;\nbind = \"127.0.0.1\";\nprot = 1;\n", 3,
      'unknown setting "prot"', 'unknown setting' ],
    [ "bind = \"127.0.0.1\";\nport = 70000;\n", 2,
      '"port" must be between 0 and 65535', 'port out of range' ],
    [ "port = -1;\n", 1,
      '"port" must be between 0 and 65535', 'negative port' ],
    [ "port = 4294967297;\n", 1,
      qr/"port" (?:must be between 0 and 65535|is out of range)/,
      'port 2^32+1 not truncated' ],
    [ "port = 99999999999999999999999;\n", 1,
      qr/.+/, 'port beyond 64 bits' ],
    [ "port = \"abc\";\n", 1, qr/"port"/, 'port of the wrong type' ],
    [ "port = 7000;\nbind = ;\n", 2, qr/.+/, 'syntax error' ],
    [ "port = 7000;\n= 5;\n", 2, qr/.+/, 'setting without a name' ],
    [ "loglevel = \"loud\";\n", 1, qr/"loglevel"/, 'bad loglevel word' ],
    [ "io-backend = \"kqueue\";\n", 1, qr/"io-backend"/, 'bad io-backend' ],
    [ "worker-processes = \"many\";\n", 1, qr/"worker-processes"/,
      'bad worker-processes word' ],
    [ "worker-processes = 0;\n", 1, qr/"worker-processes"/,
      'zero worker-processes' ],
    [ "appendfsync = \"sometimes\";\n", 1, qr/"appendfsync"/,
      'bad appendfsync' ],
    [ "port = 7000;\nport = 7001;\n", 2, qr/.+/, 'setting given twice' ],
);

for my $b (@bad) {
    my ($text, $line, $msg, $name) = @$b;
    my $f = conf_file($text);
    my ($st, $out, $err) = run_kevyd(['-t', '-c', $f]);
    is($st, 1, "-t $name: exit 1");
    my $re = ref $msg ? $msg : qr/\Q$msg\E/;
    like($err, qr/^kevyd: \[emerg\] (?=.*$re).* in \Q$f\E:$line$/m,
         "-t $name: [emerg] message in $f:$line")
        or diag($err);
    like($err, qr/^kevyd: configuration file \Q$f\E test failed$/m,
         "-t $name: test failed");
    unlike($err, qr/test is successful/, "-t $name: not successful");
}

# The exact form of the first three messages.
{
    my $f = conf_file("port = 7000;\nbind = \"127.0.0.1\";\nprot = 1;\n");
    my ($st, $out, $err) = run_kevyd(['-t', '-c', $f]);
    is($err, "kevyd: [emerg] unknown setting \"prot\" in $f:3\n"
           . "kevyd: configuration file $f test failed\n",
       '-t unknown setting: exact stderr');

    # -q does not hide errors.
    ($st, $out, $err) = run_kevyd(['-t', '-q', '-c', $f]);
    is($st, 1, '-t -q bad file: exit 1');
    like($err, qr/unknown setting "prot" in \Q$f\E:3/, '-t -q: error shown');
}

{
    my $f = "$dir/does-not-exist.conf";
    my ($st, $out, $err) = run_kevyd(['-t', '-c', $f]);
    is($st, 1, '-t missing file: exit 1');
    like($err, qr/\Q$f\E/, '-t missing file: names the file');
    like($err, qr/configuration file \Q$f\E test failed/,
         '-t missing file: test failed');
}

# ------------------------------------------------------------ -T

my @settings = qw(port bind unixsocket unixsocketperm tcp-backlog maxclients
    timeout tcp-keepalive proto-max-bulk-len client-query-buffer-limit
    worker-processes worker-cpu-affinity worker-spin shutdown-timeout io-backend hz
    databases shard-ring-size
    daemonize pidfile loglevel logfile dir appendonly appendfsync
    hash-max-listpack-entries hash-max-listpack-value
    zset-max-listpack-entries zset-max-listpack-value
    list-max-listpack-size set-max-intset-entries);

{
    my ($st, $out, $err) = run_kevyd(['-T', '-c', $good]);
    is($st, 0, '-T: exit 0');
    like($err, qr/configuration file \Q$good\E test is successful/,
         '-T: test is successful');
    my @lines = grep { /\S/ && !/^\s*#/ } split /\n/, $out;
    my %count;
    my $wellformed = 1;
    for (@lines) {
        if (/^([a-z][a-z0-9-]*) = (.+?);(?: +#.*)?$/) {
            $count{$1}++;
        } else {
            $wellformed = 0;
            diag("bad -T line: $_");
        }
    }
    ok($wellformed, '-T: every line is "name = value;"');
    for my $s (@settings) {
        is($count{$s}, 1, "-T: $s printed once");
    }
    my @extra = grep { my $x = $_; !grep { $_ eq $x } @settings } keys %count;
    is("@extra", '', '-T: no unknown setting printed');
    like($out, qr/^port = 7000;$/m, '-T: port from the file');
    like($out, qr/^bind = "127\.0\.0\.1";$/m, '-T: bind from the file');
    like($out, qr/^loglevel = "notice";$/m, '-T: loglevel from the file');
    like($out, qr/^worker-processes = 2;$/m, '-T: worker-processes');

    # Round trip: the dump is a valid config which dumps the same.
    my $f = conf_file($out);
    my ($st2, $out2, $err2) = run_kevyd(['-t', '-c', $f]);
    is($st2, 0, '-T output passes -t') or diag($err2);
    my ($st3, $out3) = run_kevyd(['-T', '-c', $f]);
    is($st3, 0, '-T of the dump: exit 0');
    my $settings = sub ($t) { join "\n", grep { !/^#/ } split /\n/, $t };
    is($settings->($out3), $settings->($out),
       '-T of the dump prints the same settings');
}

{
    my $f = conf_file("worker-processes = \"auto\";\n");
    my ($st, $out, $err) = run_kevyd(['-T', '-c', $f]);
    is($st, 0, '-T worker-processes auto: exit 0');
    like($out, qr/^worker-processes = "auto";(?: +#.*)?$/m,
         '-T keeps "auto" (re-readable)');
}

{
    my $f = conf_file("prot = 1;\n");
    my ($st, $out, $err) = run_kevyd(['-T', '-c', $f]);
    is($st, 1, '-T bad file: exit 1');
    is($out, '', '-T bad file: no dump');
    like($err, qr/unknown setting "prot" in \Q$f\E:1/, '-T bad file: error');
}

# ------------------------------------------------------------ -s

for my $sig (qw(stop quit reopen reload)) {
    my ($st, $out, $err) = run_kevyd(['-s', $sig, '-c', $good]);
    is($st, 1, "-s $sig without pid file: exit 1");
    like($err, qr/\Q$dir\E\/kevyd\.pid/, "-s $sig: names the pid file");
}

{
    my $f = conf_file("prot = 1;\n");
    my ($st, $out, $err) = run_kevyd(['-s', 'stop', '-c', $f]);
    is($st, 1, '-s stop with a bad config: exit 1');
    like($err, qr/unknown setting "prot" in \Q$f\E:1/,
         '-s stop with a bad config: error');
}

done_testing;
