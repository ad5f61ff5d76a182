#!/usr/bin/perl
# redis-benchmark against a 4-worker kevyd: it must run to the end without
# an error, and leave the data it wrote (the speed is measured by bench/,
# not here; the numbers are only noted, next to redis-server's).

use v5.36;
use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use List::Util qw(shuffle sum0);
use POSIX qw(:sys_wait_h);
use Kevyd qw(binary safety_alarm wait_for run_kevyd have_redis read_file);
use Diff qw(vis parse);

plan skip_all => 'objs/kevyd not built' unless -x binary();
my ($bench) = grep { -x } map { "$_/redis-benchmark" } split /:/, $ENV{PATH};
plan skip_all => 'redis-benchmark not installed (Debian: apt-get install '
                 . 'redis-tools)' unless $bench;
safety_alarm(400);

# A sanitizer build is several times slower: fewer requests.
my (undef, $out, $err) = run_kevyd(['-V']);
my $sanitized = ($out . $err) =~ /sanitize/;
my $N = $sanitized ? 20_000 : 100_000;
my $P = 16;    # $N is a multiple of it: exactly $N INCRs are sent
my @TESTS = ('SET', 'GET', 'INCR', 'MSET (10 keys)');
note("redis-benchmark -n $N" . ($sanitized ? ' (sanitizer build)' : ''));

# Run redis-benchmark against $port; (exit status or undef, output).
sub run_bench ($port) {
    my $file = "/tmp/kevyd-bench-$$.out";
    my $pid = fork // die "fork: $!";
    if ($pid == 0) {
        open STDIN, '<', '/dev/null';
        open STDOUT, '>', $file;
        open STDERR, '>&', \*STDOUT;
        exec $bench, '-h', '127.0.0.1', '-p', $port, '-t', 'set,get,incr,mset',
            '-P', $P, '-c', 50, '-n', $N, '-r', 100_000, '-q'
            or POSIX::_exit(127);
    }
    my $st;
    wait_for(sub {
        my $r = waitpid($pid, WNOHANG);
        $st = $? >> 8 if $r == $pid;
        return $r != 0;
    }, 180);
    if (!defined $st) {
        kill 'KILL', $pid;
        waitpid($pid, 0);
    }
    my $text = read_file($file) // '';
    unlink $file;
    return ($st, $text);
}

# { test name => requests per second } from the -q output (progress lines
# end in \r, results in \n).
sub rates ($text) {
    my %r;
    for (split /[\r\n]+/, $text) {
        $r{$1} = $2 if /^(\S[^:]*): ([\d.]+) requests per second/;
    }
    return \%r;
}

# What the benchmark left: key:NNNNNNNNNNNN = its 3-byte payload (-d 3;
# redis-benchmark 7 fills it with fixed pseudo-random letters, "VXK", the
# same for every key), counter:NNNNNNNNNNNN = integers summing to the
# number of INCRs. Returns the payload seen.
sub check_data ($srv, $label) {
    my $c = $srv->conn(30);
    my $dbsize = parse($c->cmd('DBSIZE')) // 0;
    cmp_ok($dbsize, '>', 0, "$label: DBSIZE $dbsize > 0");
    my $keys = parse($c->cmd('KEYS', '*'));
    is(ref $keys eq 'ARRAY' ? scalar @$keys : undef, $dbsize,
       "$label: KEYS * returns DBSIZE keys");
    $keys = [] unless ref $keys eq 'ARRAY';
    my @odd = grep { !/^(?:key|counter):\d{12}$/ } @$keys;
    is(scalar @odd, 0, "$label: every key is key:NNNNNNNNNNNN or "
                       . "counter:NNNNNNNNNNNN")
        or diag('e.g. ' . join ', ', map { vis($_) } @odd[0 .. 4]);

    my @plain = grep { /^key:/ } @$keys;
    my @sample = (shuffle @plain)[0 .. ($#plain < 499 ? $#plain : 499)];
    my $r = $c->pipeline([ map { [ 'GET', $_ ] } @sample ], undef, 30) // [];
    my $payload = parse($r->[0] // '') // '';
    my @bad = grep { ($r->[$_] // '') ne "\$3\r\n$payload\r\n" }
              0 .. $#sample;
    ok(@sample && length($payload) == 3 && !@bad,
       sprintf('%s: GET of %d sampled key:* keys: the same 3-byte payload '
               . '(%s)', $label, scalar @sample, vis($payload)))
        or diag(join "\n", map { "GET $sample[$_] -> " . vis($r->[$_]) }
                           @bad[0 .. ($#bad < 4 ? $#bad : 4)]);

    my @counters = grep { /^counter:/ } @$keys;
    my @vals;
    for (my $i = 0; $i < @counters; $i += 1000) {
        my $last = $i + 999 < $#counters ? $i + 999 : $#counters;
        my $m = parse($c->cmd('MGET', @counters[ $i .. $last ]));
        push @vals, ref $m eq 'ARRAY' ? @$m : ('MGET failed');
    }
    my @nonint = grep { !defined || !/^\d+$/ } @vals;
    ok(@counters && !@nonint, sprintf('%s: all %d counter:* values are '
                                      . 'integers', $label, scalar @counters))
        or diag('e.g. ' . join ', ', map { vis($_) } @nonint[0 .. 4]);
    is(sum0(grep { defined && /^\d+$/ } @vals), $N,
       "$label: the counters sum to the $N INCRs sent");
    return $payload;
}

# ---------------------------------------------------------------- kevyd

my $k = Kevyd->new(conf => { 'worker-processes' => 4 })->start;
my ($st, $text) = run_bench($k->port);
is($st, 0, 'kevyd: redis-benchmark exit status 0')
    or diag($text);
my $kr = rates($text);
for my $t (@TESTS) {
    ok(($kr->{$t} // 0) > 0, "kevyd: $t: " . ($kr->{$t} // 'no')
                             . ' requests per second');
}
my @errors = grep { /ERR|error/i } split /[\r\n]+/, $text;
is(scalar @errors, 0, 'kevyd: no error in the output of redis-benchmark')
    or diag(join "\n", @errors[0 .. ($#errors < 9 ? $#errors : 9)]);
my $kpayload = check_data($k, 'kevyd');
ok($k->is_running && scalar(keys %{ $k->worker_pids }) == 4,
   'kevyd: master and 4 workers still running');
my @alerts = grep { /\[(?:alert|crit|emerg|error)\]/ } $k->log_lines;
is(scalar @alerts, 0, 'kevyd: no alert in the log')
    or diag(join "\n", @alerts[0 .. ($#alerts < 9 ? $#alerts : 9)]);
is($k->stop, 0, 'kevyd: stop: exit 0');

# ----------------------------------------------------------- redis-server

SKIP: {
    skip 'redis-server not installed', 8 unless have_redis();
    my $r = Kevyd::start_redis();
    my ($rst, $rtext) = run_bench($r->port);
    my $rr = rates($rtext);
    # The reference run: if these fail, the checks above are wrong.
    is($rst, 0, 'redis-server: redis-benchmark exit status 0')
        or diag($rtext);
    my $rpayload = check_data($r, 'redis-server');
    is($kpayload, $rpayload, 'the same payload in kevyd as in redis-server');
    for my $t (@TESTS) {
        note(sprintf '%-15s kevyd (4 workers) %12s/s   redis-server %12s/s',
             $t, $kr->{$t} // '-', $rr->{$t} // '-');
    }
    $r->stop;
}

done_testing;
