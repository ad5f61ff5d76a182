#!/usr/bin/perl
# Ring pressure: with the smallest shared-memory rings (64kb) and 2
# workers, big values must cross shards whole (fragmented, through the
# backlog) and long cross-shard pipelines must come back complete and in
# order.

use v5.36;
use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use POSIX qw(:sys_wait_h);
use Time::HiRes qw(sleep time);
use Kevyd qw(binary safety_alarm wait_for key_shard key_on);
use Diff qw(vis);

plan skip_all => 'objs/kevyd not built' unless -x binary();
safety_alarm(300);

my $MB = 1024 * 1024;

sub bulk ($v) { '$' . length($v) . "\r\n$v\r\n" }

# $len bytes of every byte value, different for every $seed.
sub value ($len, $seed) {
    my $block = pack 'C*', map { ($_ * 7 + $seed * 31) & 0xff } 0 .. 4095;
    $block .= "<$seed>";
    return substr($block x (int($len / length $block) + 1), 0, $len);
}

# Where two byte strings first differ, for diagnostics.
sub first_diff ($got, $want) {
    return 'undef' unless defined $got;
    my $n = length($got) < length($want) ? length($got) : length($want);
    for (my $i = 0; $i < $n; $i += 4096) {
        next if substr($got, $i, 4096) eq substr($want, $i, 4096);
        for my $j ($i .. $i + 4095) {
            return "byte $j differs (lengths " . length($got) . " and "
                   . length($want) . ')'
                if substr($got, $j, 1) ne substr($want, $j, 1);
        }
    }
    return 'lengths ' . length($got) . ' and ' . length($want);
}

# Run $code in a child process; returns a sub that waits for it and
# returns (exit status, message).
sub in_child ($code) {
    my $file = "/tmp/kevyd-rings-$$-" . int(rand 1e9);
    my $pid = fork // die "fork: $!";
    if ($pid == 0) {
        my $msg = eval { $code->() } // "died: $@";
        Kevyd::write_file($file, $msg);
        POSIX::_exit($msg eq 'ok' ? 0 : 1);
    }
    return sub {
        waitpid($pid, 0);
        my $st = $? >> 8;
        my $msg = Kevyd::read_file($file) // 'no result';
        unlink $file;
        return ($st, $msg);
    };
}

# hz = 500: a missed doorbell costs at most one 2 ms tick here, so these
# correctness checks take bounded time either way; the last part checks
# that transfers do not wait for ticks at all.
my $k = Kevyd->new(conf => { 'worker-processes' => 2, loglevel => 'verbose',
                             'shard-ring-size' => '64kb', hz => 500,
                             'shutdown-timeout' => 2 })->start;
my @c = ($k->conn_on(0, 20), $k->conn_on(1, 20));

# ------------------------------------------------- big values, one by one

for my $mb (1, 5, 20) {
    for my $where ('remote', 'local') {
        my $shard = $where eq 'remote' ? 1 : 0;
        my $key = key_on($shard, "big$mb:");
        my $v = value($mb * $MB, $mb);
        my $t0 = time;
        my $r = $c[0]->pipeline([ [ 'SET', $key, $v ], [ 'GET', $key ],
                                  [ 'STRLEN', $key ] ], undef, 30);
        my $ok = $r && $r->[0] eq "+OK\r\n" && $r->[1] eq bulk($v)
                 && $r->[2] eq ':' . length($v) . "\r\n";
        ok($ok, sprintf('%d MB value, %s shard: SET, GET, STRLEN exact '
                        . '(%.2f s)', $mb, $where, time - $t0))
            or diag($r ? "SET " . vis($r->[0]) . ", GET "
                         . first_diff($r->[1], bulk($v)) . ", STRLEN "
                         . vis($r->[2])
                       : "no replies: $c[0]{error}");
    }
}

# ---------------------------------------------- MSET / MGET across shards

{
    my @keys = (key_on(0, 'm1:'), key_on(1, 'm5:'), key_on(1, 'm20:'),
                key_on(0, 'm5b:'), key_on(1, 'm1b:'));
    my @vals = (value(1 * $MB, 101), value(5 * $MB, 105), value(20 * $MB, 120),
                value(5 * $MB, 125), value(1 * $MB, 111));
    for my $i (0, 1) {
        my $t0 = time;
        my $r = $c[$i]->pipeline(
            [ [ 'MSET', map { ($keys[$_], $vals[$_]) } 0 .. $#keys ],
              [ 'MGET', @keys ], [ 'MGET', reverse @keys ] ], undef, 30);
        my $want = '*' . @keys . "\r\n" . join '', map { bulk($_) } @vals;
        my $rwant = '*' . @keys . "\r\n" . join '', map { bulk($_) }
                                                    reverse @vals;
        ok($r && $r->[0] eq "+OK\r\n" && $r->[1] eq $want
              && $r->[2] eq $rwant,
           sprintf('worker %d: MSET of 1, 5, 20, 5, 1 MB values over both '
                   . 'shards, MGET both ways: exact (%.2f s)', $i, time - $t0))
            or diag($r ? 'MSET ' . vis($r->[0]) . ', MGET '
                         . first_diff($r->[1], $want) . ', reversed '
                         . first_diff($r->[2], $rwant)
                       : "no replies: $c[$i]{error}");
        # The same keys are overwritten by the next round.
        @vals = map { value(length $_, $i + 200 + length($_) % 7) } @vals;
    }
}

# ---------------------------------- both directions full at the same time

{
    # Each worker sends 20 MB to the other at once, then reads it back, so
    # rings (0,1) and (1,0) and both backlogs are full together.
    my @wait;
    for my $i (0, 1) {
        my $c = $c[$i];
        push @wait, in_child(sub {
            my $key = key_on(1 - $i, "cross$i:");
            my @v = map { value(20 * $MB, 300 + 10 * $i + $_) } 0 .. 1;
            my $r = $c->pipeline([ [ 'SET', $key, $v[0] ], [ 'GET', $key ],
                                   [ 'SET', $key, $v[1] ], [ 'GET', $key ] ],
                                 undef, 30);
            return "no replies: $c->{error}" unless $r;
            return 'SET: ' . vis($r->[0]) unless $r->[0] eq "+OK\r\n";
            return 'GET: ' . first_diff($r->[1], bulk($v[0]))
                unless $r->[1] eq bulk($v[0]);
            return 'second GET: ' . first_diff($r->[3], bulk($v[1]))
                unless $r->[3] eq bulk($v[1]);
            return 'ok';
        });
    }
    for my $i (0, 1) {
        my ($st, $msg) = $wait[$i]->();
        is($msg, 'ok', "worker $i: 2 x 20 MB to the other shard while it "
                       . "sends 2 x 20 MB to us: exact");
    }
}

# ------------------------------- 10,000 cross-shard SETs, then 10,000 GETs

{
    my @wait;
    my $t0 = time;
    for my $i (0, 1) {
        my $c = $c[$i];
        push @wait, in_child(sub {
            my @keys;
            for (my $j = 0; @keys < 10_000; $j++) {
                my $key = "p$i:$j";
                push @keys, $key if key_shard($key, 2) != $i;
            }
            my @v = map { sprintf('%-1024s', "v$i:$_:") =~ tr/ /./r }
                    0 .. 9999;
            my $r = $c->pipeline([ (map { [ 'SET', $keys[$_], $v[$_] ] }
                                    0 .. 9999),
                                   (map { [ 'GET', $keys[$_] ] } 0 .. 9999) ],
                                 undef, 30);
            return "no replies after " . scalar(@{ $c->{replies} })
                   . ": $c->{error}" unless $r;
            for my $j (0 .. 9999) {
                return "SET $j ($keys[$j]): " . vis($r->[$j])
                    unless $r->[$j] eq "+OK\r\n";
            }
            for my $j (0 .. 9999) {
                return "GET $j ($keys[$j]): " . vis($r->[10_000 + $j])
                    unless $r->[10_000 + $j] eq bulk($v[$j]);
            }
            return 'ok';
        });
    }
    for my $i (0, 1) {
        my ($st, $msg) = $wait[$i]->();
        is($msg, 'ok', "worker $i: one pipeline of 10,000 SETs of 1 KB to "
                       . "the other shard, then 10,000 GETs: all in order");
    }
    note(sprintf 'both pipelines took %.2f s', time - $t0);
}

# ----------------------------- errors keep their place in the pipeline

{
    # Replies of commands run by the other shard are outstanding when the
    # error comes: it must not overtake them (errors were written at once).
    my $key = key_on(1, 'order:');
    my $r = $c[0]->pipeline([ [ 'SET', $key, 'a' ], [ 'GET', $key ],
                              [ 'NOSUCH', 'x' ], [ 'GET', $key ],
                              [ 'GET' ], [ 'SET', $key, 'b' ],
                              [ 'CONFIG', 'NOSUCH' ], [ 'GET', $key ] ]);
    is(join('', map { vis($_) } @{ $r // [] }),
       join('', map { vis($_) } "+OK\r\n", bulk('a'),
            "-ERR unknown command 'NOSUCH', with args beginning with: 'x' \r\n",
            bulk('a'),
            "-ERR wrong number of arguments for 'get' command\r\n",
            "+OK\r\n",
            "-ERR unknown subcommand 'NOSUCH'. Try CONFIG HELP.\r\n",
            bulk('b')),
       'unknown command, arity and subcommand errors answer in their turn')
        or diag($c[0]->{error});
    my $p = $k->conn_on(0, 20);
    $r = $p->pipeline(Kevyd::Conn::encode('SET', $key, 'c')
                      . Kevyd::Conn::encode('GET', $key) . "*1\r\n\$-1\r\n",
                      3);
    is(join('', map { vis($_) } @{ $r // [] }),
       join('', map { vis($_) } "+OK\r\n", bulk('c'),
            "-ERR Protocol error: invalid bulk length\r\n"),
       'a protocol error answers after the replies before it');
    ok($p->wait_eof, 'and then the connection is closed');
    is($c[0]->cmd('DEL', $key), ":1\r\n", 'DEL the order key');
}

# 6 big keys, 5 MSET keys, 2 cross keys, 2 x 10,000 pipeline keys.
is($c[0]->cmd("DBSIZE"), ":20013\r\n", "DBSIZE counts every key");
is($_->cmd('PING'), "+PONG\r\n", 'the connection still answers') for @c;
my $alerts = join "\n",
    grep { /\[(?:alert|crit|emerg|error)\]|\[info\].*failed/ } $k->log_lines;
is($alerts, '', 'no alert or failed send in the log');
is($k->stop, 0, 'stop: exit 0')
    or diag(join "\n", grep { defined } ($k->log_lines)[-15 .. -1]);

# ------------------------------------------- no transfer waits for a tick

{
    # hz = 1: a producer that fills the ring and sleeps without a doorbell
    # from the consumer (or a consumer not woken for the rest) waits for
    # the once-a-second tick. A cross-shard 2 MB SET + GET takes
    # milliseconds, so 10 of them stay far below 3 s even on a loaded
    # machine, while every missed doorbell costs up to a second.
    my $k1 = Kevyd->new(conf => { 'worker-processes' => 2, hz => 1,
                                  'shard-ring-size' => '64kb',
                                  'shutdown-timeout' => 2 })->start;
    my $c = $k1->conn_on(0, 20);
    my $key = key_on(1, 'tick:');
    my ($total, $worst, $why, $rounds) = (0, 0, '', 0);
    for my $round (1 .. 10) {
        my $v = value(2 * $MB, 400 + $round);
        my $t0 = time;
        my $r = $c->pipeline([ [ 'SET', $key, $v ], [ 'GET', $key ] ],
                             undef, 3);
        my $d = time - $t0;
        ($total, $rounds) = ($total + $d, $round);
        $worst = $d if $d > $worst;
        if (!$r || $r->[1] ne bulk($v)) {
            $why = "round $round: no exact reply within 3 s ($c->{error})";
            last;
        }
        last if $total > 3;
    }
    ok(!$why && $rounds == 10 && $total < 3,
       sprintf('hz 1, 64kb rings: 10 x 2 MB SET + GET to the other shard '
               . 'in < 3 s: no transfer waits for the tick (%d rounds, '
               . '%.2f s, worst %.2f s)', $rounds, $total, $worst))
        or diag(($why || sprintf('%.2f s after %d rounds', $total, $rounds))
                . ': transfers wait for the hz tick instead of a doorbell');
    SKIP: {
        # A transfer left half-way at hz 1 cannot finish within the
        # shutdown timeout: the failure above already says why.
        skip 'transfers stalled: no clean stop to expect', 1 if $why;
        is($k1->stop, 0, 'hz 1: stop: exit 0');
    }
}

done_testing;
