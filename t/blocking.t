#!/usr/bin/perl
# The blocking commands across workers (their replies against Redis are
# t/diff_blocking.t's): a push on any worker wakes a client blocked on any
# other; waiters are served in the order they blocked whatever their
# workers; a blocked client does not block its worker; exactly one waiter
# gets each element, and none is lost when waiters time out, disconnect,
# or block on keys of several workers at once (a stress run with forked
# producers and consumers counts every element); pipelined commands wait
# for the blocking one; a killed worker's blocked clients and waiters are
# dealt with; a graceful stop closes blocked clients at once.

use v5.36;
use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use List::Util qw(shuffle sum0);
use POSIX qw(:sys_wait_h _exit);
use Time::HiRes qw(sleep time);
use Kevyd qw(binary safety_alarm wait_for key_shard read_file write_file);
use Diff qw(vis);

plan skip_all => 'objs/kevyd not built' unless -x binary();
safety_alarm(300);

sub bulk ($s) { '$' . length($s) . "\r\n$s\r\n" }
sub arr (@e)  { '*' . scalar(@e) . "\r\n" . join '', map { bulk($_) } @e }
my $TIMEOUT = "*-1\r\n";

# A key owned by $slot of $n workers, named after $base.
sub key_on ($base, $slot, $n) {
    for my $i (0 .. 10000) {
        my $k = "$base:$i";
        return $k if key_shard($k, $n) == $slot;
    }
    die "no key for slot $slot";
}

# A connection served by worker $slot: connections are opened 16 at a
# time and sorted by worker (one look at /proc for all of them).
my %pool;    # "server port/slot" -> spare connections
sub conn_on ($k, $slot) {
    my $p = $pool{ $k->port . "/$slot" } //= [];
    for (1 .. 50) {
        return shift @$p if @$p;
        my @c = map { $k->conn } 1 .. 16;
        my $slots = $k->slots_of(\@c);
        for my $i (0 .. $#c) {
            push @{ $pool{ $k->port . '/' . ($slots->[$i] // 'none') } },
                $c[$i];
        }
    }
    die "no connection lands on worker $slot";
}

sub client_id ($c) {
    my $r = $c->cmd('CLIENT', 'ID') // '';
    return $r =~ /^:(\d+)/ ? $1 : die "CLIENT ID: " . vis($r);
}

# Wait until client $id is blocked and registered with every owner.
sub wait_blocked ($ctl, $id, $timeout = 5) {
    return wait_for(sub {
        my $l = $ctl->cmd('CLIENT', 'LIST') // '';
        return $l =~ /\bid=$id\b[^\n]*\bflags=b\b/;
    }, $timeout);
}

# Send a blocking command on $c and wait until it is in line.
sub block ($ctl, $c, @cmd) {
    my $id = client_id($c);
    $c->raw(Kevyd::Conn::encode(@cmd));
    ok(wait_blocked($ctl, $id), "blocked: @cmd")
        or diag vis($ctl->cmd('CLIENT', 'LIST'));
}

# ---------------------------------------------------------------- 2 workers
{
    my $k = Kevyd->new(conf => { 'worker-processes' => 2 })->start;
    my @on = map { conn_on($k, $_) } 0, 1;    # a control connection each

    # Every combination of the waiter's worker, the key's owner and the
    # pusher's worker.
    for my $home (0, 1) {
        for my $owner (0, 1) {
            for my $pusher (0, 1) {
                my $key = key_on("wake$home$owner$pusher", $owner, 2);
                my $w = conn_on($k, $home);
                block($on[0], $w, 'BLPOP', $key, '5');
                my $t0 = time;
                is($on[$pusher]->cmd('RPUSH', $key, 'v'), ":1\r\n", 'push');
                is($w->read_reply(3), arr($key, 'v'),
                   "home $home, owner $owner, pusher $pusher: woken");
                cmp_ok(time - $t0, '<', 1, 'at once');
                is($on[0]->cmd('EXISTS', $key), ":0\r\n", 'popped');
                $w->close;
            }
        }
    }

    # A blocked client does not block its worker.
    {
        my $w = conn_on($k, 0);
        block($on[0], $w, 'BLPOP', 'nothing-here', '10');
        my $t0 = time;
        my $ok = 1;
        for my $i (1 .. 200) {
            $ok &&= ($on[0]->cmd('SET', "s$i", $i) // '') eq "+OK\r\n";
            $ok &&= ($on[0]->cmd('GET', "s$i") // '') eq bulk($i);
        }
        ok($ok, 'the blocked client\'s worker serves others');
        cmp_ok(time - $t0, '<', 5, '... without waiting for it');
        is($on[0]->cmd('INFO', 'clients') =~ /^blocked_clients:(\d+)/m
               ? $1 : -1, 1, 'INFO blocked_clients');
        $w->close;
        ok(wait_for(sub {
            ($on[1]->cmd('INFO', 'clients') // '') =~ /^blocked_clients:0\r/m
        }), 'a disconnected client is no longer blocked');
    }

    # Pipelined commands after a blocking one wait for it, in order.
    {
        my $key = key_on('pipe', 1, 2);
        my $w = conn_on($k, 0);
        my $id = client_id($w);
        $w->raw(Kevyd::Conn::encode('BLPOP', $key, '5')
                . Kevyd::Conn::encode('PING')
                . Kevyd::Conn::encode('LLEN', $key));
        ok(wait_blocked($on[0], $id), 'blocked with commands behind it');
        is($w->read_reply(0.3), undef, 'nothing answered meanwhile');
        is($on[1]->cmd('RPUSH', $key, 'a', 'b'), ":2\r\n", 'push 2');
        is($w->read_reply(3), arr($key, 'a'), 'BLPOP served');
        is($w->read_reply(3), "+PONG\r\n", 'then PING');
        is($w->read_reply(3), ":1\r\n", 'then LLEN, after the pop');
        $w->close;
    }

    # Timeouts: fractional seconds, and a client that timed out has no
    # claim on a later push.
    {
        my $w = conn_on($k, 1);
        my $key = key_on('tmo', 0, 2);
        my $t0 = time;
        is($w->cmd('BLPOP', $key, '0.2'), $TIMEOUT, 'BLPOP times out');
        my $dt = time - $t0;
        ok($dt >= 0.19 && $dt < 1.5, "after 0.2 s ($dt)");
        is($on[0]->cmd('RPUSH', $key, 'late'), ":1\r\n", 'push after');
        is($on[0]->cmd('LRANGE', $key, 0, -1), arr('late'),
           'the element stays');
        # Again and again, at once: the null reply comes only after the
        # owner dropped the registration, so the push that follows it is
        # never taken by the expired waiter.
        my $kept = 0;
        for my $i (1 .. 20) {
            $on[0]->cmd('DEL', $key);
            $w->cmd('BLPOP', $key, '0.01');
            $on[0]->cmd('RPUSH', $key, "x$i");
            $kept++ if ($on[0]->cmd('LRANGE', $key, 0, -1) // '') eq arr("x$i");
        }
        is($kept, 20, 'a push right after a timeout stays, 20 times of 20');
        $on[0]->cmd('DEL', $key);
        $t0 = time;
        is($w->cmd('BZPOPMIN', key_on('z', 1, 2), key_on('z', 0, 2), '0.05'),
           $TIMEOUT, 'BZPOPMIN on two workers times out');
        cmp_ok(time - $t0, '<', 1.5, 'soon');
        $w->close;
    }

    # A waiter on keys of both workers gets exactly one of two pushes
    # made at once; the other element stays.
    for my $round (1 .. 20) {
        my ($a, $b) = (key_on("both$round", 0, 2), key_on("both$round", 1, 2));
        my $w = conn_on($k, $round % 2);
        block($on[0], $w, 'BRPOP', $a, $b, '5');
        $on[0]->raw(Kevyd::Conn::encode('RPUSH', $a, 'x'));
        $on[1]->raw(Kevyd::Conn::encode('RPUSH', $b, 'y'));
        $on[0]->read_reply;
        $on[1]->read_reply;
        my $got = $w->read_reply(3) // '';
        # Both owners may have served it at once: its worker then gives
        # the second element back, a moment later.
        my $left;
        wait_for(sub {
            $left = join ',', map {
                my $r = $on[0]->cmd('LRANGE', $_, 0, -1);
                $r eq "*0\r\n" ? () : $r
            } $a, $b;
            $left ne '';
        }, 3);
        ok(($got eq arr($a, 'x') && $left eq arr('y'))
               || ($got eq arr($b, 'y') && $left eq arr('x')),
           "round $round: one element served, one left")
            or diag vis($got), ' ', vis($left);
        $on[0]->cmd('DEL', $a, $b);
        $w->close;
    }

    # Timeout and push at the same moment: the element is served or
    # left, never lost, never both.
    {
        my $fails = 0;
        for my $i (1 .. 60) {
            my $key = key_on("race$i", $i % 2, 2);
            my $w = conn_on($k, ($i >> 1) % 2);
            $w->raw(Kevyd::Conn::encode('BLPOP', $key, '0.05'));
            sleep(0.03 + rand(0.04));
            $on[$i % 2]->cmd('RPUSH', $key, "e$i");
            my $got = $w->read_reply(3) // 'none';
            # Served as it timed out: the element comes back a moment later.
            my $left;
            wait_for(sub {
                $left = $on[0]->cmd('LRANGE', $key, 0, -1);
                $got ne $TIMEOUT || $left ne "*0\r\n";
            }, 3);
            $fails++ unless ($got eq arr($key, "e$i") && $left eq "*0\r\n")
                || ($got eq $TIMEOUT && $left eq arr("e$i"));
            $on[0]->cmd('DEL', $key);
            $w->close;
        }
        is($fails, 0, 'timeouts racing pushes: every element once');
    }

    # Disconnect and push at the same moment: nothing lost. The waiter
    # shuts its sending side (the server sees the end of its input, as for
    # a close) and still reads what the server sent it: what it was
    # served is gone from the list, anything else must be back in place.
    {
        my ($fails, $served) = (0, 0);
        for my $i (1 .. 60) {
            my $key = key_on("gone$i", $i % 2, 2);
            my $w = conn_on($k, ($i >> 1) % 2);
            $w->raw(Kevyd::Conn::encode('BLMPOP', '5', '1', $key, 'LEFT',
                                        'COUNT', '2'));
            sleep(rand(0.02));
            $on[$i % 2]->raw(Kevyd::Conn::encode('RPUSH', $key, 'a', 'b',
                                                 'c'));
            sleep(rand(0.002));
            shutdown($w->sock, 1);
            $on[$i % 2]->read_reply;
            my $got = $w->read_reply(2) // 'none';
            my $want = $got eq "*2\r\n" . bulk($key) . arr('a', 'b')
                ? arr('c') : arr('a', 'b', 'c');
            $served++ if $want eq arr('c');
            my $ok = wait_for(sub {
                $on[0]->cmd('LRANGE', $key, 0, -1) eq $want
            }, 2);
            $fails++ unless $ok && ($got eq 'none' || $want eq arr('c'));
            $on[0]->cmd('DEL', $key);
            $w->close;
        }
        is($fails, 0, "disconnects racing pushes: nothing lost ($served "
                      . 'served before they left)');
    }

    # INFO and CLIENT LIST over both workers.
    {
        my @w = map { conn_on($k, $_ % 2) } 1 .. 4;
        block($on[0], $_, 'BLPOP', 'info-key', '10') for @w;
        my $info = $on[1]->cmd('INFO', 'clients');
        like($info, qr/^blocked_clients:4\r$/m, 'blocked_clients sums');
        like($info, qr/^clients_in_timeout_table:4\r$/m,
             'clients_in_timeout_table');
        my @b = ($on[0]->cmd('CLIENT', 'LIST') =~ /flags=b /g);
        is(scalar @b, 4, 'CLIENT LIST flags=b');
        $on[1]->cmd('RPUSH', 'info-key', 1, 2, 3, 4);
        is(join('', map { $_->read_reply(3) // 'none' } @w),
           join('', map { arr('info-key', $_) } 1 .. 4),
           'four waiters served in order');
        $_->close for @w;
    }
    is($k->stop, 0, 'stops');
}

# ---------------------------------------------------- 4 workers: FIFO order
{
    my $k = Kevyd->new(conf => { 'worker-processes' => 4 })->start;
    my $ctl = $k->conn;
    for my $owner (0 .. 3) {
        my $key = key_on("fifo$owner", $owner, 4);
        my @w = map { conn_on($k, int(rand 4)) } 1 .. 8;
        block($ctl, $_, 'BLPOP', 'other', $key, '10') for @w;
        is($ctl->cmd('RPUSH', $key, map { "e$_" } 1 .. 8), ":8\r\n", 'push 8');
        is(join('', map { $_->read_reply(3) // 'none' } @w),
           join('', map { arr($key, "e$_") } 1 .. 8),
           "owner $owner: eight waiters on four workers served in order");
        $_->close for @w;
    }
    # BLMOVE chains across workers: a -> b -> c, woken by one push.
    {
        my ($a, $b, $c) = map { key_on("chain$_", $_, 4) } 1 .. 3;
        my $w1 = conn_on($k, 0);
        my $w2 = conn_on($k, 2);
        block($ctl, $w1, 'BLMOVE', $a, $b, 'LEFT', 'RIGHT', '5');
        block($ctl, $w2, 'BRPOPLPUSH', $b, $c, '5');
        $ctl->cmd('LPUSH', $a, 'x');
        is($w1->read_reply(3), bulk('x'), 'BLMOVE served');
        is($w2->read_reply(3), bulk('x'), 'which woke BRPOPLPUSH');
        is($ctl->cmd('LRANGE', $c, 0, -1), arr('x'), 'x at the end');
        is($ctl->cmd('EXISTS', $a, $b), ":0\r\n", 'nothing in between');
    }
    is($k->stop, 0, 'stops');
}

# ------------------------------------------- stress: every element once
{
    my $W = 4;
    my $k = Kevyd->new(conf => { 'worker-processes' => $W })->start;
    my $dir = $k->dir;
    my @queues = map { key_on("q$_", $_ % $W, $W) } 0 .. 3;
    my $done = key_on('done', 1, $W);
    my ($PRODUCERS, $PER, $CONSUMERS) = (3, 300, 6);

    my @pids;
    for my $p (1 .. $PRODUCERS) {
        my $pid = fork // die "fork: $!";
        if (!$pid) {
            my $c = $k->conn;
            srand($p);
            for my $i (1 .. $PER) {
                my $q = $queues[rand @queues];
                my $r = $c->cmd(rand() < 0.5 ? 'RPUSH' : 'LPUSH', $q,
                                "p$p-$i") // '';
                _exit(1) unless $r =~ /^:\d+\r\n\z/;
                sleep(0.001) if $i % 20 == 0;
            }
            _exit(0);
        }
        push @pids, $pid;
    }
    for my $n (1 .. $CONSUMERS) {
        my $pid = fork // die "fork: $!";
        if (!$pid) {
            srand(100 + $n);
            my @got;
            my $c = $k->conn;
            my $idle = 0;
            while ($idle < 4) {
                my @q = shuffle @queues;
                my $x = rand;
                if ($x < 0.05) {
                    # A waiter that goes away mid-block; what it was
                    # served before the server saw it go still counts.
                    $c->raw(Kevyd::Conn::encode('BLPOP', @q, '1'));
                    sleep(rand 0.01);
                    shutdown($c->sock, 1);
                    my $r = $c->read_reply(3);
                    if (defined $r && $r ne $TIMEOUT) {
                        push @got, Diff::parse($r)->[1];
                    }
                    $c->close;
                    $c = $k->conn;
                    next;
                }
                my @cmd = $x < 0.35 ? ('BLPOP', @q, '0.3')
                        : $x < 0.55 ? ('BRPOP', @q[0, 1], '0.3')
                        : $x < 0.75 ? ('BLMPOP', '0.3', scalar @q, @q,
                                       'RIGHT', 'COUNT', 3)
                        : $x < 0.9  ? ('BLMOVE', $q[0], $done, 'LEFT',
                                       'LEFT', '0.3')
                        :             ('BRPOPLPUSH', $q[0], $done, '0.3');
                my $r = $c->cmd(@cmd);
                _exit(2) unless defined $r;
                if ($r eq $TIMEOUT) {
                    $idle++;
                    next;
                }
                $idle = 0;
                my $v = Diff::parse($r);
                if ($cmd[0] =~ /^(BLMOVE|BRPOPLPUSH)$/) {
                    next;    # counted in $done
                } elsif ($cmd[0] eq 'BLMPOP') {
                    push @got, @{ $v->[1] };
                } else {
                    push @got, $v->[1];
                }
            }
            write_file("$dir/consumer$n", join("\n", @got, ''));
            _exit(0);
        }
        push @pids, $pid;
    }
    my $bad = 0;
    for my $pid (@pids) {
        waitpid($pid, 0);
        $bad++ if $?;
    }
    is($bad, 0, 'producers and consumers ran cleanly');
    my $ctl = $k->conn;
    my @seen;
    push @seen, grep { length } split /\n/, read_file("$dir/consumer$_") // ''
        for 1 .. $CONSUMERS;
    my $served = scalar @seen;
    for my $q (@queues, $done) {
        my $v = Diff::parse($ctl->cmd('LRANGE', $q, 0, -1));
        push @seen, @$v;
    }
    my %count;
    $count{$_}++ for @seen;
    my @dups = grep { $count{$_} > 1 } keys %count;
    my @want = map { my $p = $_; map { "p$p-$_" } 1 .. $PER } 1 .. $PRODUCERS;
    my @lost = grep { !$count{$_} } @want;
    is(scalar @dups, 0, 'no element served twice')
        or diag join ' ', grep { defined } @dups[0 .. 9];
    is(scalar @lost, 0, 'no element lost')
        or diag join ' ', grep { defined } @lost[0 .. 9];
    is(scalar keys %count, $PRODUCERS * $PER, 'nothing else appeared');
    cmp_ok($served, '>', $PRODUCERS * $PER / 4, "consumers served $served");
    like($ctl->cmd('INFO', 'clients'), qr/^blocked_clients:0\r$/m,
         'nobody left blocked');
    is($k->stop, 0, 'stops');
}

# ------------------------------------------------------ a worker is killed
{
    my $k = Kevyd->new(conf => { 'worker-processes' => 2 })->start;
    my $ctl0 = conn_on($k, 0);

    # The key's owner dies: the waiter registers again with its
    # replacement, and is served.
    my $key = key_on('dies', 1, 2);
    my $w = conn_on($k, 0);
    block($ctl0, $w, 'BLPOP', $key, '20');
    my $old = $k->worker_pids->{1};
    kill 'KILL', $old;
    delete $pool{ $k->port . '/1' };    # they were its connections
    ok(wait_for(sub {
        my $p = $k->worker_pids->{1};
        defined $p && $p != $old && ($ctl0->cmd('PING') // '') eq "+PONG\r\n"
    }, 10), 'worker 1 replaced');
    my $pushed = wait_for(sub {
        ($ctl0->cmd('RPUSH', $key, 'after') // '') eq ":1\r\n"
    }, 5);
    ok($pushed, 'push to the new owner');
    is($w->read_reply(5), arr($key, 'after'),
       'the waiter of the dead owner is served');

    # The waiter's own worker dies: its connection goes, its place in
    # line goes with it.
    my $key2 = key_on('home-dies', 0, 2);
    my $w2 = conn_on($k, 1);
    block($ctl0, $w2, 'BLPOP', $key2, '20');
    my $w3 = conn_on($k, 0);
    block($ctl0, $w3, 'BLPOP', $key2, '20');
    $old = $k->worker_pids->{1};
    kill 'KILL', $old;
    delete $pool{ $k->port . '/1' };
    ok($w2->wait_eof(5), 'its connection closes');
    ok(wait_for(sub {
        my $p = $k->worker_pids->{1};
        defined $p && $p != $old
    }, 10), 'replaced');
    is($ctl0->cmd('RPUSH', $key2, 'x'), ":1\r\n", 'push');
    is($w3->read_reply(5), arr($key2, 'x'),
       'the next waiter gets it, not the dead one');

    # A graceful stop closes blocked clients at once.
    my $w4 = conn_on($k, 1);
    block($ctl0, $w4, 'BLPOP', 'forever', '0');
    my $t0 = time;
    is($k->stop(10), 0, 'stops with a client blocked forever');
    cmp_ok(time - $t0, '<', 5, 'at once');
    ok($w4->wait_eof(2), 'the blocked client is closed');
}

done_testing;
