#!/usr/bin/perl
# The death protocol, step by step: a worker is stopped by gdb at a chosen
# point of a forwarded command (so it has taken the request and not
# answered), then killed with SIGKILL.
#
#   - the request it had taken gets the lost-reply error, requests still
#     queued behind it are served by its replacement, in order;
#   - an atomic cross-shard command whose helper dies answers with an
#     error and leaves no shard paused and no lock held: every worker
#     keeps serving, and later cross-shard commands work.
#
# Without gdb (or without ptrace) only the last case, which needs none,
# runs.

use v5.36;
use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use POSIX qw(:sys_wait_h);
use Time::HiRes qw(sleep time);
use Kevyd qw(binary safety_alarm wait_for key_shard read_file);
use Diff qw(vis);

plan skip_all => 'objs/kevyd not built' unless -x binary();
safety_alarm(150);

my $LOST = "-ERR the worker running this command exited before replying; "
         . "the command may or may not have been applied\r\n";
my $XLOST = "-ERR a worker taking part in this command exited; the command "
          . "was not completed\r\n";
my ($GDB) = grep { -x } map { "$_/gdb" } split /:/, $ENV{PATH} // '';

# Keys of a 4-worker server.
sub key_on ($shard, $prefix, $n = 4) { Kevyd::key_on($shard, $prefix, $n) }

sub reply ($c, $timeout = 3) { $c->read_reply($timeout) }

sub server () {
    return Kevyd->new(conf => { 'worker-processes' => 4,
                                'shutdown-timeout' => 2 })->start;
}

# gdb attached to $pid with a breakpoint on $func, the process running on.
sub stop_in ($pid, $func) {
    my $out = "/tmp/kevyd-death-$$-$pid.gdb";
    my $gpid = fork // die "fork: $!";
    if ($gpid == 0) {
        open STDIN, '<', '/dev/null';
        open STDOUT, '>', $out;
        open STDERR, '>&', \*STDOUT;
        exec $GDB, '-q', '-nx', '-batch', '-p', $pid, '-ex', "break $func",
            '-ex', 'continue', '-ex', 'shell sleep 60'
            or POSIX::_exit(127);
    }
    my $h = { pid => $gpid, out => $out, target => $pid };
    my $ok = wait_for(sub {
        (read_file($out) // '') =~ /Breakpoint 1 at /
    }, 20);
    # gdb continues the process right after setting the breakpoint.
    sleep 0.5;
    return $h if $ok;
    diag('gdb did not attach: ' . (read_file($out) // ''));
    gdb_done($h);
    return undef;
}

sub gdb_hit ($h, $timeout = 5) {
    return wait_for(sub { (read_file($h->{out}) // '') =~ /Breakpoint 1, / },
                    $timeout);
}

sub gdb_done ($h) {
    kill 'KILL', $h->{pid};
    waitpid($h->{pid}, 0);
    unlink $h->{out};
}

# Kill worker $slot (stopped in gdb) and wait for its replacement.
sub kill_stopped ($k, $h, $slot) {
    kill 'KILL', $h->{target};
    gdb_done($h);
    return wait_for(sub {
        my $p = $k->worker_pids->{$slot};
        return $p && $p != $h->{target};
    }, 10);
}

# Nothing is left stuck: on every worker a fresh connection gets PONG, a
# GET of a key on every shard, and a cross-shard RENAME, each within 2 s.
sub all_serving ($k, $n, $label) {
    my @problems;
    # 12 connections a worker on average; a stuck worker accepts none.
    my @conns = grep { defined } map { $k->try_conn(3) } 1 .. 12 * $n;
    my $slots = $k->slots_of(\@conns, 2);
    my %on;
    for my $i (0 .. $#conns) {
        $on{ $slots->[$i] } //= $conns[$i] if defined $slots->[$i];
    }
    for my $slot (0 .. $n - 1) {
        my $c = $on{$slot};
        if (!$c) {
            push @problems, "worker $slot: no connection is accepted";
            next;
        }
        for my $cmd ([ 'PING' ],
                     (map { [ 'GET', key_on($_, 'probe:', $n) ] }
                          0 .. $n - 1),
                     [ 'RENAME', key_on(($slot + 1) % $n, 'nosuch:', $n),
                       key_on(($slot + 2) % $n, 'dest:', $n) ]) {
            $c->raw(Kevyd::Conn::encode(@$cmd)) or last;
            my $r = $c->read_reply(2);
            next if defined $r
                    && $r =~ /^(?:\+PONG|\$-1|-ERR no such key)\r\n\z/;
            push @problems, "worker $slot: @$cmd -> "
                            . (defined $r ? vis($r) : "no reply in 2 s");
            last unless defined $r;
        }
    }
    is(join("\n", @problems), '', "$label: afterwards every worker serves "
                                  . "(PING, GET on every shard, cross-shard "
                                  . "RENAME)");
}

sub log_tail ($k) {
    return join "\n", grep { !/ready|started worker|serving again|listening/ }
                      grep { defined } ($k->log_lines)[-12 .. -1];
}

SKIP: {
    # Can gdb attach here (ptrace may be forbidden)? A plain backtrace
    # leaves no breakpoint behind.
    my $k = server();
    my $w3 = $k->worker_pids->{3};
    my $bt = $GDB ? `$GDB -q -nx -batch -p $w3 -ex bt 2>&1` // '' : '';
    $k->stop;
    skip($GDB ? 'gdb cannot attach to a worker (ptrace not allowed?)'
              : 'gdb not installed', 13) unless $bt =~ /^#0 /m;

    # ------------------------------------------- one forwarded request lost
    {
        my $k = server();
        my $c = $k->conn_on(0, 3);
        my ($a1, $a2, $a3) = map { key_on(1, "a$_:") } 1 .. 3;
        my $b = key_on(0, 'b:');
        $c->cmd('SET', $a1, 'old');
        my $h = stop_in($k->worker_pids->{1}, 'kv_cmd_get');
        $c->raw(join '', map { Kevyd::Conn::encode(@$_) }
                    [ 'GET', $a1 ], [ 'SET', $a2, 'x' ], [ 'GET', $a2 ],
                    [ 'SET', $b, 'y' ], [ 'GET', $b ], [ 'INCR', $a3 ]);
        ok(gdb_hit($h), 'worker 1 stopped in GET, having taken the request');
        ok(kill_stopped($k, $h, 1), 'worker 1 killed and replaced');
        my @r = map { reply($c, 5) } 1 .. 6;
        is_deeply([ map { vis($_) } @r ],
                  [ map { vis($_) } $LOST, "+OK\r\n", "\$1\r\nx\r\n",
                                    "+OK\r\n", "\$1\r\ny\r\n", ":1\r\n" ],
                  'GET taken by the dead worker: lost-reply error; the '
                  . 'requests queued behind it run on the replacement, '
                  . 'replies in order')
            or diag(log_tail($k));
        $k->stop;
    }

    # -------------------------------------------- one part of an MGET lost
    {
        my $k = server();
        my $c = $k->conn_on(0, 3);
        my @keys = map { key_on($_, "m$_:") } 0 .. 3;
        $c->cmd('MSET', map { ($_, "v$_") } @keys);
        my $h = stop_in($k->worker_pids->{2}, 'kv_cmd_mget');
        $c->raw(Kevyd::Conn::encode('MGET', @keys)
                . Kevyd::Conn::encode('MGET', @keys));
        ok(gdb_hit($h), 'worker 2 stopped in its part of an MGET');
        kill_stopped($k, $h, 2);
        my @r = map { reply($c, 5) } 1 .. 2;
        my $want = "*4\r\n" . join '', map {
            $_ eq $keys[2] ? "\$-1\r\n" : '$' . length("v$_") . "\r\nv$_\r\n"
        } @keys;
        is_deeply([ map { vis($_) } @r ], [ vis($LOST), vis($want) ],
                  'MGET whose part was taken by the dead worker: lost-reply '
                  . 'error; the next MGET: the dead shard\'s key is gone')
            or diag(log_tail($k));
        $k->stop;
    }

    # ----------------------------------- atomic command, helper dies in it
    for my $case ([ 'kv_cmd_int_restore', 'moving the value' ],
                  [ 'kv_cmd_int_pause', 'taking the pause' ]) {
        my ($func, $what) = @$case;
        my $k = server();
        my $c = $k->conn_on(0, 3);
        my ($src, $dst) = (key_on(1, 'src:'), key_on(2, 'dst:'));
        $c->cmd('SET', $src, 'v');
        # Shards are paused in order: 1 first, then 2.
        my $h = stop_in($k->worker_pids->{2}, $func);
        $c->raw(Kevyd::Conn::encode('RENAME', $src, $dst));
        ok(gdb_hit($h), "helper worker 2 stopped $what for a cross-shard "
                        . "RENAME");
        kill_stopped($k, $h, 2);
        is(vis(reply($c, 5)), vis($XLOST),
           "RENAME whose helper died $what: the error");
        all_serving($k, 4, "helper died $what");
        ok($k->is_running, "helper died $what: master running")
            or diag(log_tail($k));
        $k->stop;
    }
}

# ----------------------------- atomic command while its helper respawns

{
    # A second fast crash delays the respawn by 100 ms: a RENAME needing
    # the slot meanwhile must answer (with the error, or after the
    # respawn), and leave nothing paused or locked.
    my $k = server();
    my $c = $k->conn_on(0, 3);
    my ($src, $dst) = (key_on(1, 'src:'), key_on(2, 'dst:'));
    $c->cmd('SET', $src, 'v');
    for my $i (1, 2) {
        my $old = $k->worker_pids->{1};
        kill 'KILL', $old;
        wait_for(sub { !Kevyd::pid_alive($old) }, 3);
        last if $i == 2;
        wait_for(sub { my $p = $k->worker_pids->{1}; $p && $p != $old }, 5);
        sleep 0.2;
    }
    $c->raw(Kevyd::Conn::encode('RENAME', $src, $dst));
    my $r = reply($c, 5);
    like(vis($r), qr/^(?:\Q${\ vis($XLOST)}\E|-ERR no such key\\x0d\\x0a)$/,
         'RENAME while its helper slot waits to be respawned: answered '
         . '(error, or no such key once the new worker runs it)');
    wait_for(sub { keys %{ $k->worker_pids } == 4 }, 5);
    sleep 0.3;
    all_serving($k, 4, 'helper respawning');
    $k->stop;
}

done_testing;
