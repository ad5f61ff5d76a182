#!/usr/bin/perl
# Supervision: a killed worker is replaced in its slot while the other
# workers keep serving; a slot that crash-loops is respawned with growing
# delays and finally the master gives up.

use v5.36;
use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use Time::HiRes qw(sleep time);
use Kevyd qw(binary safety_alarm wait_for);

plan skip_all => 'objs/kevyd not built' unless -x binary();
safety_alarm(180);

# (worker_id, process_id) of the worker serving $conn, from INFO server.
sub served_by ($conn) {
    my $r = $conn->cmd('INFO', 'server') // return ();
    my ($id) = $r =~ /^worker_id:(\d+)\r$/m;
    my ($pid) = $r =~ /^process_id:(\d+)\r$/m;
    return ($id, $pid);
}

# ------------------------------------------------------------ one kill -9

{
    my $k = Kevyd->new->start;
    my $w = $k->worker_pids;
    my $old = $w->{1};

    # Connections opened before the kill, grouped by the worker serving them.
    my %on;
    for (1 .. 30) {
        my $c = $k->conn;
        my ($id) = served_by($c);
        push @{ $on{$id // 'none'} }, $c;
    }
    ok($on{0} && $on{1}, 'connections on both workers before the kill')
        or diag(join ',', keys %on);

    my $off = $k->log_size;
    my $t0 = time;
    ok(kill('KILL', $old), "kill -9 worker 1 (pid $old)");

    # The replacement answers within 2 s: poll new connections until one is
    # served by a new worker 1.
    my $new;
    wait_for(sub {
        my $c = $k->try_conn(1) or return 0;
        my ($id, $pid) = served_by($c);
        return 0 unless defined $id && $id == 1 && $pid != $old;
        $new = $pid if ($c->cmd('PING') // '') eq "+PONG\r\n";
        return $new;
    }, 5);
    my $took = time - $t0;
    ok($new, 'a new worker 1 answers');
    cmp_ok($took, '<', 2, sprintf('replacement answered after %.2f s', $took));

    ok($k->wait_log(qr/^.*#m: worker 1 \(pid $old\) exited on signal 9$/m,
                    3, $off),
       "log: worker 1 (pid $old) exited on signal 9");
    my ($logged) = $k->wait_log(
        qr/exited on signal 9\n(?:.*\n)*?.*#m: started worker 1 \(pid (\d+)\)$/m,
        3, $off);
    is($logged, $new, 'log: started worker 1 with the new pid');
    my $w2 = $k->worker_pids;
    is($w2->{1}, $new, 'slot 1 holds the new pid');
    is($w2->{0}, $w->{0}, 'worker 0 untouched');
    is(Kevyd::cmdline($new), 'kevyd: worker process 1', 'new worker title');

    # Connections of the dead worker see EOF; those of worker 0 still work.
    my $eof = grep { !defined $_->cmd('PING') } @{ $on{1} // [] };
    is($eof, scalar @{ $on{1} // [] }, 'clients of the killed worker: EOF');
    my $pong = grep { ($_->cmd('PING') // '') eq "+PONG\r\n" }
               @{ $on{0} // [] };
    is($pong, scalar @{ $on{0} // [] },
       'clients of worker 0 keep being served');

    # Now kill worker 0 in the middle of a loop of short-lived clients: the
    # server as a whole keeps answering. At most the one connection in
    # flight at the kill may fail.
    my ($ok, $fail, $ok_after) = (0, 0, 0);
    my $killed;
    my $start = time;
    while (time - $start < 4) {
        if (!$killed && time - $start > 1) {
            kill 'KILL', $w->{0};
            $killed = 1;
        }
        my $c = $k->try_conn(2);
        my $r = $c ? $c->cmd('PING') : undef;
        if (($r // '') eq "+PONG\r\n") {
            $ok++;
            $ok_after++ if $killed;
        } else {
            $fail++;
        }
    }
    cmp_ok($fail, '<=', 1, "client loop: $fail failed of " . ($ok + $fail));
    cmp_ok($ok_after, '>=', 20, "client loop: $ok_after PONGs after the kill");
    ok($k->wait_log(qr/worker 0 \(pid $w->{0}\) exited on signal 9/, 3,
                    $off), 'log: worker 0 exited on signal 9');
    my $w3 = wait_for(sub {
        my $x = $k->worker_pids;
        return keys %$x == 2 && $x->{0} != $w->{0} ? $x : undef;
    }, 3);
    ok($w3, 'slot 0 respawned');

    unlike($k->log_text, qr/giving up/, 'no give-up after two kills');
    ok($k->is_running, 'master still running')
        or diag("log:\n" . $k->log_text . "\nstderr:\n" . $k->stderr_text);
    is($k->stop, 0, 'stop: exit 0');
}

# ------------------------------------------------------------ crash loop

{
    my $k = Kevyd->new->start;
    my $first = $k->worker_pids->{0};
    my $other = $k->worker_pids->{1};
    my $t0 = time;
    my %killed;
    my @kill_times;

    # Kill every worker 0 as soon as it shows up (in the log or in /proc).
    wait_for(sub {
        my @pids = $k->log_text =~ /#m: started worker 0 \(pid (\d+)\)/g;
        my $p = $k->worker_pids->{0};
        push @pids, $p if $p;
        for my $pid (@pids) {
            next if $killed{$pid}++;
            kill 'KILL', $pid;
            push @kill_times, time;
        }
        return !$k->is_running;
    }, 90);

    my $elapsed = time - $t0;
    my $log = $k->log_text;
    my $st = $k->exit_status;
    is($st, 1, 'crash loop: master exit status 1') or diag($log);

    my @delays = $log =~ /#m: .*respawning worker 0 in (\d+) ms$/mg;
    cmp_ok(scalar @delays, '>=', 2, 'crash loop: respawn delays logged: '
                                    . join(',', @delays));
    my $growing = 1;
    for my $i (1 .. $#delays) {
        $growing = 0 unless $delays[$i] > $delays[$i - 1];
    }
    ok($growing, 'crash loop: each delay longer than the one before');
    my $sum = 0;
    $sum += $_ for @delays;
    cmp_ok($elapsed, '>=', 0.9 * $sum / 1000,
           sprintf('crash loop: took %.2f s, delays sum to %d ms',
                   $elapsed, $sum));

    like($log, qr/#m: .*worker 0 crashed 5 times in a row, giving up/m,
         'crash loop: give-up line');
    my ($before) = $log =~ /\A(.*?)worker 0 crashed 5 times in a row/s;
    my @exits = ($before // '')
        =~ /#m: worker 0 \(pid (\d+)\) exited on signal 9$/mg;
    my @respawned = grep { $_ != $first } @exits;
    # The first worker may or may not count as a fast crash, depending on
    # how long it ran; every respawned one was killed at once.
    ok(@respawned == 5 || (@respawned == 4 && @exits == 5),
       'crash loop: gave up after 5 fast crashes (' . scalar(@exits)
       . ' exits logged, ' . scalar(@respawned) . ' of respawned workers)');
    unlike($log, qr/giving up(?:.*\n)+.*started worker 0/,
           'crash loop: no respawn after giving up');
    ok(!-e $k->pidfile, 'crash loop: pid file removed');
    ok(wait_for(sub { !Kevyd::pid_alive($other) }, 5),
       'crash loop: worker 1 stopped too');
    unlike($log, qr/started worker 1 \(pid (?!$other\))/,
           'crash loop: worker 1 never respawned');
}

done_testing;
