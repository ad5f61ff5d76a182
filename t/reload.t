#!/usr/bin/perl
# Reload (HUP, -s reload) of live settings, refused reloads (a broken file,
# a fixed setting), and log reopening (USR1, -s reopen).

use v5.36;
use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use Time::HiRes qw(sleep time);
use Kevyd qw(binary safety_alarm wait_for read_file);

plan skip_all => 'objs/kevyd not built' unless -x binary();
safety_alarm(180);

my $k = Kevyd->new(conf => { loglevel => 'notice' })->start;
my $f = $k->conf_file;
my $workers = $k->worker_pids;
my $wlist = join ',', map { "$_=$workers->{$_}" } sort keys %$workers;
my $epoch = 0;

sub same_workers ($name) {
    my $w = $k->worker_pids;
    is(join(',', map { "$_=$w->{$_}" } sort keys %$w), $wlist,
       "$name: the same workers (not replaced)");
}

sub serving ($name) {
    is($k->conn->cmd('PING'), "+PONG\r\n", "$name: still serving");
}

# Wait for "configuration reloaded (epoch N)" after $off; check N grew.
sub reloaded ($off, $name) {
    my ($n) = $k->wait_log(qr/#m: configuration reloaded \(epoch (\d+)\)$/m,
                           5, $off);
    ok(defined $n, "$name: configuration reloaded");
    cmp_ok($n // 0, '>', $epoch, "$name: epoch grew (" . ($n // '?') . ')');
    $epoch = $n if defined $n;
    like(join("\n", $k->log_lines($off)), qr/#m: reloading configuration/,
         "$name: reloading configuration logged");
}

unlike($k->log_text, qr/\[debug\]/, 'loglevel notice: no debug lines');

# ------------------------------------------------------------ HUP, live

{
    my $idle = $k->conn;
    is($idle->cmd('PING'), "+PONG\r\n", 'idle client connected');
    my $busy = $k->conn;

    $k->rewrite_conf(loglevel => 'debug', timeout => 1);
    my $off = $k->log_size;
    ok($k->signal('HUP'), 'HUP sent (loglevel debug, timeout 1)');
    reloaded($off, 'HUP');

    # timeout: an idle client is closed; a busy one is not.
    my $t0 = time;
    my ($closed, $busy_fail) = (0, 0);
    while (time - $t0 < 5 && !$closed) {
        $busy_fail++ unless ($busy->cmd('PING') // '') eq "+PONG\r\n";
        $closed = $idle->wait_eof(0.2);
    }
    is($busy_fail, 0, 'timeout 1: a client sending every 0.2 s is served');
    ok($closed, sprintf('timeout 1: idle client closed after %.1f s',
                        time - $t0));
    is($busy->cmd('PING'), "+PONG\r\n", 'timeout 1: busy client still open');

    # loglevel debug: debug lines appear.
    for (1 .. 5) {
        my $c = $k->conn;
        $c->cmd('PING');
        $c->close;
    }
    ok($k->wait_log(qr/\[debug\]/, 5, $off), 'loglevel debug: debug lines');
    same_workers('HUP');
}

# ------------------------------------------------------------ -s reload

{
    $k->rewrite_conf(loglevel => 'notice', timeout => 0);
    my $off = $k->log_size;
    my ($st, $out) = $k->ctl('-s', 'reload');
    is($st, 0, '-s reload: exit 0') or diag($out);
    reloaded($off, '-s reload');
    my $idle = $k->conn;
    is($idle->cmd('PING'), "+PONG\r\n", 'timeout 0: idle client connected');
    sleep 2.5;
    is($idle->cmd('PING'), "+PONG\r\n", 'timeout 0: idle client kept');
    my $off2 = $k->log_size;
    for (1 .. 5) {
        my $c = $k->conn;
        $c->cmd('PING');
    }
    sleep 0.5;
    unlike(join("\n", $k->log_lines($off2)), qr/\[debug\]/,
           'loglevel notice again: no debug lines');
    same_workers('-s reload');
}

# ------------------------------------------------------------ broken file

for my $case (['bogus = = 1;', qr/.+/, 'syntax error'],
              ['prot = 1;', qr/unknown setting "prot"/, 'unknown setting'],
              ['maxclients = "many";', qr/"maxclients"/, 'wrong type'])
{
    my ($raw, $msg, $name) = @$case;
    $k->rewrite_conf(timeout => 1, conf_raw => "$raw\n");
    my $line = $k->conf_line(qr/^\Q$raw\E$/);
    my $off = $k->log_size;
    my ($st, $out) = $k->ctl('-s', 'reload');
    is($st, 1, "$name: -s reload exit 1");
    like($out, qr/refused/, "$name: -s reload says refused") or diag($out);
    like($out, qr/\Q$f\E:$line\b/, "$name: -s reload names $f:$line")
        or diag($out);
    serving("$name, -s reload");
    same_workers("$name, -s reload");

    # The same through a plain HUP: the master logs why.
    $off = $k->log_size;
    ok($k->signal('HUP'), "$name: HUP sent");
    my ($l) = $k->wait_log(qr/^(.*reload failed.*)$/m, 5, $off);
    like($l // '', qr/\Q$f\E:$line\b/,
         "$name: HUP logs reload failed with $f:$line") or diag($l);
    like($l // '', $msg, "$name: log says why");
    sleep 0.3;
    unlike(join("\n", $k->log_lines($off)), qr/configuration reloaded/,
           "$name: nothing reloaded");
    serving("$name, HUP");
    same_workers("$name, HUP");
}

# The broken file's timeout = 1 was not applied.
{
    my $idle = $k->conn;
    is($idle->cmd('PING'), "+PONG\r\n", 'after refused reloads: connected');
    sleep 2.5;
    is($idle->cmd('PING'), "+PONG\r\n",
       'after refused reloads: old timeout 0 still in force');
}

# ------------------------------------------------------------ fixed settings

my $port = $k->port;
my $other_port = Kevyd::free_port();
for my $case ([port => $other_port], [bind => '127.0.0.2'],
              ['worker-processes' => 3])
{
    my ($name, $value) = @$case;
    $k->rewrite_conf(conf_raw => '', timeout => 0, $name => $value);
    my $off = $k->log_size;
    my ($st, $out) = $k->ctl('-s', 'reload');
    is($st, 1, "$name changed: -s reload exit 1");
    like($out, qr/refused/, "$name changed: -s reload says refused")
        or diag($out);
    ok($k->wait_log(
           qr/#m: reload refused: "\Q$name\E" cannot be changed by a reload\b/m,
           5, $off),
       "$name changed: log reload refused: \"$name\" cannot be changed");
    my $c = Kevyd::Conn->new('127.0.0.1', $port, 2);
    is($c ? $c->cmd('PING') : 'no connection', "+PONG\r\n",
       "$name changed: old port still answers");
    same_workers("$name changed");
    # Restore it in memory only: the next case writes the file.
    $k->{conf}{port} = $port;
    $k->{conf}{bind} = '127.0.0.1';
    $k->{conf}{'worker-processes'} = 2;
}
ok(!defined Kevyd::Conn->new('127.0.0.1', $other_port, 1),
   'the refused port is not listened on');

# A port change together with a live change: nothing applied.
{
    $k->rewrite_conf(port => $other_port, loglevel => 'debug');
    my $off = $k->log_size;
    my ($st) = $k->ctl('-s', 'reload');
    is($st, 1, 'port + loglevel changed: exit 1');
    $k->rewrite_conf(port => $port);
    for (1 .. 3) { $k->conn->cmd('PING') }
    sleep 0.5;
    unlike(join("\n", $k->log_lines($off)), qr/\[debug\]/,
           'port + loglevel changed: loglevel not applied either');
}

# The restored file reloads fine.
{
    $k->rewrite_conf(port => $port, loglevel => 'notice', conf_raw => '');
    my $off = $k->log_size;
    my ($st, $out) = $k->ctl('-s', 'reload');
    is($st, 0, 'restored file: -s reload exit 0') or diag($out);
    reloaded($off, 'restored file');
}

# ------------------------------------------------------------ reopen

my $log = $k->logfile;
for my $how ('-s reopen', 'USR1') {
    my $moved = "$log." . ($how eq 'USR1' ? 2 : 1);
    rename $log, $moved or die "rename: $!";
    my $reopens = () = (read_file($moved) // '') =~ /#m: reopened log file/g;
    if ($how eq 'USR1') {
        ok($k->signal('USR1'), 'USR1 sent');
    } else {
        my ($st, $out) = $k->ctl('-s', 'reopen');
        is($st, 0, '-s reopen: exit 0') or diag($out);
    }
    ok(wait_for(sub { -e $log }, 5), "$how: a new log file");
    for my $who ('m', 'w0', 'w1') {
        ok($k->wait_log(qr/^.*#$who: reopened log file/m, 5),
           "$how: $who logged reopened log file in the new file");
    }
    like(read_file($moved) // '', qr/ready to accept connections|reloaded/,
         "$how: old lines stay in the moved file");
    is(scalar(() = (read_file($moved) // '') =~ /#m: reopened log file/g),
       $reopens, "$how: no new reopen line in the moved file");

    # New lines keep going to the new file.
    $k->rewrite_conf(loglevel => 'notice');
    my $off = $k->log_size;
    $k->signal('HUP');
    ok($k->wait_log(qr/configuration reloaded/, 5, $off),
       "$how: later lines go to the new file");
}

# ------------------------------------------------------------ logfile

{
    my $new = $k->dir . '/other.log';
    $k->rewrite_conf(logfile => $new);
    $k->signal('HUP');
    ok(wait_for(sub { -e $new }, 5), 'logfile changed: the new file exists');
    my ($st, $out) = $k->ctl('-s', 'reload');
    is($st, 0, 'logfile changed: -s reload exit 0') or diag($out);
    ok($k->wait_log(qr/configuration reloaded/, 5),
       'logfile changed: lines go to the new file');
}

serving('end');
same_workers('end');
is($k->stop, 0, 'stop: exit 0');
ok(!-e $k->pidfile, 'pid file removed');

done_testing;
