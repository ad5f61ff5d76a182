#!/usr/bin/perl
# Starting and stopping: worker counts, process titles, the pid file, TERM /
# INT / QUIT / -s stop / -s quit, a second TERM, stale and live pid files, a
# port already in use.

use v5.36;
use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use IO::Socket::INET;
use POSIX qw(:sys_wait_h);
use Time::HiRes qw(sleep time);
use Kevyd qw(binary safety_alarm wait_for write_file read_file);

plan skip_all => 'objs/kevyd not built' unless -x binary();
safety_alarm(240);

my $ncpu = `nproc`;
chomp $ncpu;

sub alive ($pid) { Kevyd::pid_alive($pid) }

# Every worker slot 0..n-1 present, each titled, each a child of the master.
sub check_workers ($k, $n, $name) {
    my $w = wait_for(sub {
        my $w = $k->worker_pids;
        return keys %$w == $n ? $w : undef;
    }, 5) // $k->worker_pids;
    is(scalar keys %$w, $n, "$name: $n workers");
    is(join(',', sort { $a <=> $b } keys %$w), join(',', 0 .. $n - 1),
       "$name: slots 0.." . ($n - 1));
    is(scalar @{ $k->children }, $n, "$name: the master has $n children");
    return $w;
}

# ------------------------------------------------------------ start

{
    my $k = Kevyd->new->start;
    ok($k->is_running, 'started');
    is($k->cmd('PING'), "+PONG\r\n", 'PING');
    my $master = $k->master_pid;
    like(Kevyd::cmdline($master), qr/^kevyd: master process/,
         'master process title');
    my $w = check_workers($k, 2, 'worker-processes = 2');
    for my $slot (sort keys %$w) {
        is(Kevyd::cmdline($w->{$slot}), "kevyd: worker process $slot",
           "worker $slot title");
    }

    my $pidfile = read_file($k->pidfile);
    ok(defined $pidfile, 'pid file written');
    like($pidfile // '', qr/^\Q$master\E\n?$/, 'pid file holds the master pid');

    my $log = $k->log_text;
    is(scalar(() = $log =~ /ready to accept connections/g), 1,
       '"ready to accept connections" logged once');
    for my $slot (sort keys %$w) {
        like($log, qr/^\d{4}\/\d\d\/\d\d \d\d:\d\d:\d\d \[\w+\] \Q$master\E#m: started worker $slot \(pid $w->{$slot}\)$/m,
             "master logged: started worker $slot (pid $w->{$slot})");
        like($log, qr/^\d{4}\/\d\d\/\d\d \d\d:\d\d:\d\d \[\w+\] \Q$w->{$slot}\E#w$slot: worker $slot ready\b/m,
             "worker $slot logged: worker $slot ready");
    }
    like($log, qr/^\d{4}\/\d\d\/\d\d \d\d:\d\d:\d\d \[\w+\] \Q$master\E#m: ready to accept connections$/m,
         'ready line format');
    unlike($log, qr/\[(emerg|alert|crit|error)\]/, 'no error in the log');

    # TERM with idle clients: each gets EOF, the master exits 0.
    my @c = map { $k->conn } 1 .. 6;
    is($_->cmd('PING'), "+PONG\r\n", 'idle client connected') for @c;
    my $t0 = time;
    ok($k->signal('TERM'), 'TERM sent');
    my $eofs = grep { $_->wait_eof(6) } @c;
    is($eofs, scalar @c, 'every idle client got EOF');
    is($k->wait_exit(6), 0, 'TERM: master exit status 0');
    cmp_ok(time - $t0, '<', 5, 'TERM: exited within shutdown-timeout');
    ok(!-e $k->pidfile, 'TERM: pid file removed');
    ok(wait_for(sub { !grep { alive($_) } values %$w }, 5),
       'TERM: workers gone');
    like($k->log_text, qr/#m: .*shutting down/, 'TERM: "shutting down" logged');
    ok(!defined Kevyd::Conn->new('127.0.0.1', $k->port, 1),
       'TERM: port closed');
}

# ------------------------------------------------------------ worker counts

for my $n (1, 4, 'auto') {
    my $k = Kevyd->new(conf => { 'worker-processes' => $n })->start;
    my $want = $n eq 'auto' ? $ncpu : $n;
    my $w = check_workers($k, $want, "worker-processes = $n");
    is($k->cmd('PING'), "+PONG\r\n", "worker-processes = $n: PING");
    for my $slot (sort keys %$w) {
        is(Kevyd::cmdline($w->{$slot}), "kevyd: worker process $slot",
           "worker-processes = $n: worker $slot title");
    }
    is($k->stop, 0, "worker-processes = $n: stop exit 0");
}

# "auto" follows the CPUs the process may use, not the CPUs of the machine.
SKIP: {
    my $taskset = -x '/usr/bin/taskset' ? '/usr/bin/taskset' : undef;
    skip 'taskset not installed', 4 unless $taskset;
    my $k = Kevyd->new(conf => { 'worker-processes' => 'auto' },
                       wrap => [$taskset, '-c', '0'])->start;
    check_workers($k, 1, 'worker-processes = "auto" under taskset -c 0');
    is($k->stop, 0, 'taskset -c 0: stop exit 0');
}

# ------------------------------------------------------------ -s stop / quit

for my $sig (qw(stop quit)) {
    my $k = Kevyd->new->start;
    my $w = $k->worker_pids;
    my $c = $k->conn;
    is($c->cmd('PING'), "+PONG\r\n", "-s $sig: client connected");
    my ($st, $out) = $k->ctl('-s', $sig);
    is($st, 0, "-s $sig: exit 0") or diag($out);
    # -s waits for the master's exit: it must be gone (a zombie at most).
    my $procs = Kevyd::_procs();
    my $state = $procs->{ $k->master_pid } ? $procs->{ $k->master_pid }[1]
                                             : 'gone';
    ok($state eq 'Z' || $state eq 'gone',
       "-s $sig: master has exited when -s returns ($state)");
    is($k->wait_exit(5), 0, "-s $sig: master exit status 0");
    ok(!-e $k->pidfile, "-s $sig: pid file removed");
    ok($c->wait_eof(2), "-s $sig: client got EOF");
    ok(wait_for(sub { !grep { alive($_) } values %$w }, 5),
       "-s $sig: workers gone");
}

# ------------------------------------------------------------ INT, QUIT

for my $sig (qw(INT QUIT)) {
    my $k = Kevyd->new->start;
    ok($k->signal($sig), "$sig sent");
    is($k->wait_exit(6), 0, "$sig: master exit status 0");
    ok(!-e $k->pidfile, "$sig: pid file removed");
    like($k->log_text, qr/shutting down/, "$sig: shutting down logged");
}

# ------------------------------------------------------------ second TERM

# A stopped worker cannot finish its shutdown, so the master keeps waiting
# (shutdown-timeout = 30) until the second signal makes it exit at once.
for my $sig (qw(TERM INT)) {
    my $k = Kevyd->new(conf => { 'shutdown-timeout' => 30 })->start;
    my $w = $k->worker_pids;
    kill 'STOP', $w->{0};
    ok($k->signal($sig), "first $sig sent with worker 0 stopped");
    ok($k->wait_log(qr/shutting down/, 5), "first $sig: shutting down");
    sleep 1;
    ok($k->is_running, "first $sig: master still waiting for worker 0");
    my $t0 = time;
    ok($k->signal($sig), "second $sig sent");
    is($k->wait_exit(3), 1, "second $sig: master exits with status 1");
    cmp_ok(time - $t0, '<', 2, "second $sig: at once");
    kill 'CONT', $w->{0};
    kill 'KILL', values %$w;
}

# shutdown-timeout bounds a stuck shutdown.
{
    my $k = Kevyd->new(conf => { 'shutdown-timeout' => 2 })->start;
    my $w = $k->worker_pids;
    kill 'STOP', $w->{1};
    my $t0 = time;
    $k->signal('TERM');
    my $st = $k->wait_exit(8);
    ok(defined $st, 'stuck worker: master exits anyway');
    cmp_ok(time - $t0, '<', 5, 'stuck worker: within shutdown-timeout (2 s)'
                             . ' plus 3 s');
    ok(wait_for(sub { !alive($w->{0}) }, 3), 'stuck worker: worker 0 gone');
    kill 'CONT', $w->{1};
    kill 'KILL', values %$w;
}

# ------------------------------------------------------------ pid files

# A stale pid file naming a dead process.
{
    my $dead = fork // die;
    POSIX::_exit(0) if $dead == 0;
    waitpid($dead, 0);
    my $k = Kevyd->new;
    write_file($k->pidfile, "$dead\n");
    ok(eval { $k->start; 1 }, 'stale pid file (dead pid): starts') or diag($@);
    like(read_file($k->pidfile) // '', qr/^${\ $k->master_pid}\n?$/,
         'stale pid file (dead pid): overwritten');
    is($k->stop, 0, 'stale pid file (dead pid): stops');
}

# A pid file naming a live process that is not kevyd (this test).
{
    my $k = Kevyd->new;
    write_file($k->pidfile, "$$\n");
    ok(eval { $k->start; 1 }, 'pid file naming a non-kevyd: starts')
        or diag($@);
    like(read_file($k->pidfile) // '', qr/^${\ $k->master_pid}\n?$/,
         'pid file naming a non-kevyd: overwritten');
    is($k->stop, 0, 'pid file naming a non-kevyd: stops');
}

# A pid file naming a live kevyd: refused.
{
    my $k1 = Kevyd->new->start;
    my $k2 = Kevyd->new(conf => { pidfile => $k1->pidfile });
    my ($st, $err) = $k2->start_fails(10);
    is($st, 1, 'live pid file: exit 1');
    like($err, qr/already running/, 'live pid file: "already running"');
    like(read_file($k1->pidfile) // '', qr/^${\ $k1->master_pid}\n?$/,
         'live pid file: left alone');
    is($k1->cmd('PING'), "+PONG\r\n", 'live pid file: first server serves');
    ok(!defined Kevyd::Conn->new('127.0.0.1', $k2->port, 1),
       'live pid file: second server does not listen');
    is($k1->stop, 0, 'live pid file: first server stops');
}

# ------------------------------------------------------------ port in use

{
    my $l = IO::Socket::INET->new(LocalAddr => '127.0.0.1', LocalPort => 0,
                                  Proto => 'tcp', Listen => 5)
        or die "listen: $!";
    my $port = $l->sockport;
    my $k = Kevyd->new(conf => { port => $port });
    my ($st, $err) = $k->start_fails(10);
    is($st, 1, 'port in use: exit 1');
    like($err, qr/bind\(\) to 127\.0\.0\.1:$port failed/,
         'port in use: bind() to 127.0.0.1:PORT failed');
    like($err, qr/Address already in use/, 'port in use: the reason');
    ok(!-e $k->pidfile, 'port in use: no pid file left');
}

done_testing;
