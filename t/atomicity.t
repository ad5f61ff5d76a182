#!/usr/bin/perl
# The atomicity kevyd promises for keys on several shards (kevyd(8), KEYS,
# SHARDS AND ATOMICITY), checked under contention from several clients:
#
#  - MSETNX over shards is all or nothing;
#  - RENAME between shards never shows a moment where neither key exists
#    (observed with MSETNX, itself atomic over shards);
#  - SORT with GET keys on both shards reads them all at one moment;
#  - MSET of keys sharing a {hashtag} is never seen half applied by MGET.

use v5.36;
use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use POSIX qw(_exit);
use Kevyd qw(safety_alarm);

safety_alarm(180);

my $k = Kevyd->new(conf => { 'worker-processes' => 2 })->start;

# Keys known to live on different workers (kevyd hashes like Redis
# Cluster: CRC16 mod 16384, two contiguous slot ranges).
sub crc16 ($s) {
    my $crc = 0;
    for my $b (unpack 'C*', $s) {
        $crc ^= $b << 8;
        for (1 .. 8) {
            $crc = $crc & 0x8000 ? (($crc << 1) ^ 0x1021) & 0xffff
                                 : ($crc << 1) & 0xffff;
        }
    }
    return $crc;
}
sub shard ($key) { int((crc16($key) % 16384) * 2 / 16384) }
my ($a0) = grep { shard($_) == 0 } map { "a$_" } 1 .. 100;
my ($b1) = grep { shard($_) == 1 } map { "b$_" } 1 .. 100;
my ($c0) = grep { shard($_) == 0 && $_ ne $a0 } map { "c$_" } 1 .. 100;
my ($d1) = grep { shard($_) == 1 && $_ ne $b1 } map { "d$_" } 1 .. 100;
ok(defined $a0 && defined $b1 && defined $c0 && defined $d1,
   'keys on both shards');

# Run $n iterations of $code in a child; the child's exit code is the
# number of failures it saw (capped).
sub child ($code) {
    my $pid = fork // die "fork: $!";
    if ($pid == 0) {
        my $bad = eval { $code->() } // 99;
        _exit($bad > 250 ? 250 : $bad);
    }
    return $pid;
}
sub failures ($pid) { waitpid($pid, 0); return $? >> 8 }

{
    # Two clients race MSETNX over overlapping keys on both shards.
    my $bad = 0;
    for my $round (1 .. 150) {
        $k->cmd('FLUSHALL');
        my @p = map {
            my $who = $_;
            child(sub {
                my $c = $k->conn;
                my @kv = $who eq 'A' ? ($a0, 'A', $b1, 'A', $c0, 'A')
                                     : ($c0, 'B', $d1, 'B', $a0, 'B');
                my $r = $c->cmd('MSETNX', @kv) // '';
                return $r eq ":1\r\n" || $r eq ":0\r\n" ? 0 : 1;
            })
        } qw(A B);
        $bad += failures($_) for @p;
        my $c = $k->conn;
        my $vals = $c->cmd('MGET', $a0, $b1, $c0, $d1);
        my @v = $vals =~ /\$1\r\n([AB])\r\n|\$-1\r\n/g;
        my %seen = map { defined $_ ? ($_ => 1) : () } @v;
        my $won = join '', sort keys %seen;
        if ($won eq 'A') {
            $bad++ unless $vals eq "*4\r\n\$1\r\nA\r\n\$1\r\nA\r\n\$1\r\nA\r\n\$-1\r\n";
        } elsif ($won eq 'B') {
            $bad++ unless $vals eq "*4\r\n\$1\r\nB\r\n\$-1\r\n\$1\r\nB\r\n\$1\r\nB\r\n";
        } else {
            $bad++;
            diag("round $round: $vals");
        }
    }
    is($bad, 0, 'MSETNX over two shards is all or nothing, 150 races');
}

{
    # A plain SET (no lock) racing an MSETNX over shards: if both succeed,
    # the SET must have come second (MSETNX found the key absent), so its
    # value must be the one left. Only pausing the shards involved makes
    # that true: a SET slipping between MSETNX's check and its write would
    # be overwritten.
    my $bad = 0;
    for my $round (1 .. 300) {
        $k->cmd('FLUSHALL');
        my $m = child(sub {
            my $c = $k->conn;
            my $r = $c->cmd('MSETNX', $a0, 'A', $c0, 'A', $b1, 'A', $d1, 'A');
            return $r eq ":1\r\n" ? 0 : 1;
        });
        my $c = $k->conn;
        my $set = $c->cmd('SET', $d1, 'X');
        my $won = failures($m) == 0;
        my $v = $c->cmd('GET', $d1);
        if ($won && $set eq "+OK\r\n" && $v ne "\$1\r\nX\r\n") {
            $bad++;
            diag("round $round: MSETNX won and SET won, but $d1 is $v");
        }
    }
    is($bad, 0, 'a racing plain SET is never lost to a cross-shard MSETNX');
}

{
    # RENAME back and forth between shards while another client checks,
    # with an atomic MSETNX, that one of the two keys always exists.
    $k->cmd('FLUSHALL');
    $k->cmd('SET', $a0, 'v');
    my $mover = child(sub {
        my $c = $k->conn;
        my $bad = 0;
        for (1 .. 400) {
            $bad++ if ($c->cmd('RENAME', $a0, $b1) // '') ne "+OK\r\n";
            $bad++ if ($c->cmd('RENAME', $b1, $a0) // '') ne "+OK\r\n";
        }
        return $bad;
    });
    my $watcher = child(sub {
        my $c = $k->conn;
        my $bad = 0;
        for (1 .. 800) {
            # MSETNX succeeds only if neither key exists; LCS (atomic over
            # shards too) has length 1 only if both hold "v".
            my $r = $c->cmd('MSETNX', $a0, 'x', $b1, 'x') // '';
            $bad++ if $r ne ":0\r\n";
            $r = $c->cmd('LCS', $a0, $b1, 'LEN') // '';
            $bad++ if $r ne ":0\r\n";
        }
        return $bad;
    });
    is(failures($mover), 0, 'RENAME between shards always succeeds');
    is(failures($watcher), 0,
       'no observer ever saw neither or both keys during cross-shard RENAMEs');
    is($k->cmd('GET', $a0), "\$1\r\nv\r\n", 'the value arrived home intact');
}

{
    # SORT ... GET through a pattern whose keys are on both shards, while
    # a writer that takes no lock keeps incrementing both, always first
    # the one on shard 1, then the one on shard 0: at any moment the
    # first is equal to the second or one more. SORT reads its keys with
    # every shard paused, so it sees exactly that; a SORT reading them
    # one after the other (shard 0 first) would see the gap widen. The
    # same for what STORE keeps. Thousands more elements (whose keys do
    # not exist) make each shard's part of the reading take a while, so
    # that reading them one shard after the other would show.
    my ($e0) = grep { shard("pv:$_") == 0 } map { "e$_" } 1 .. 100;
    my ($e1) = grep { shard("pv:$_") == 1 } map { "e$_" } 1 .. 100;
    $k->cmd('FLUSHALL');
    $k->cmd('RPUSH', $a0, $e0, $e1, map { "f$_" } 1 .. 20000);
    $k->cmd('MSET', "pv:$e0", 0, "pv:$e1", 0, 'done', 0);
    # The writer's connection on worker 0, the sorter's on worker 1: a
    # writer served by the sorter's worker would wait for each SORT.
    my (%on, $tries);
    while ((!$on{0} || !$on{1}) && $tries++ < 64) {
        my $c = $k->conn;
        my $slot = $k->slot_of($c) // -1;
        $on{$slot} //= $c;
    }
    ok($on{0} && $on{1}, 'connections served by each worker');
    my $writer = child(sub {
        my $c = $on{0};
        my $n = 0;
        while (($c->cmd('GET', 'done') // '') eq "\$1\r\n0\r\n") {
            for (1 .. 50) {
                $c->cmd('INCR', "pv:$e1");
                $c->cmd('INCR', "pv:$e0");
            }
            last if ++$n > 2000;
        }
        return 0;
    });
    my $sorter = child(sub {
        my $c = $on{1};
        my $bad = 0;
        my $ok = sub ($r) {
            my ($x, $y) = $r =~ /^\*2\r\n\$\d+\r\n(\d+)\r\n\$\d+\r\n(\d+)\r\n\z/;
            return defined $x && ($y == $x || $y == $x + 1);
        };
        for (1 .. 500) {
            my $r = $c->cmd('SORT', $a0, 'BY', 'nosort', 'GET', 'pv:*',
                            'LIMIT', 0, 2) // '';
            $bad++ unless $ok->($r);
            if ($_ % 4 == 0) {
                $r = $c->cmd('SORT', $a0, 'BY', 'nosort', 'GET', 'pv:*',
                             'LIMIT', 0, 2, 'STORE', $d1) // '';
                $bad++ unless $r eq ":2\r\n";
                $bad++ unless $ok->($c->cmd('LRANGE', $d1, 0, -1) // '');
            }
        }
        $c->cmd('SET', 'done', 1);
        return $bad;
    });
    ok(defined $e0 && defined $e1, 'pattern keys on both shards');
    is(failures($sorter), 0,
       'SORT GET over both shards always read them at one moment');
    is(failures($writer), 0, 'the writer ran');
}

{
    # Keys sharing a hashtag live on one shard: MSET is atomic there.
    $k->cmd('FLUSHALL');
    $k->cmd('MSET', '{t}x', 0, '{t}y', 0);
    my $writer = child(sub {
        my $c = $k->conn;
        $c->cmd('MSET', '{t}x', $_, '{t}y', $_) for 1 .. 1000;
        return 0;
    });
    my $reader = child(sub {
        my $c = $k->conn;
        my $bad = 0;
        for (1 .. 1000) {
            my $r = $c->cmd('MGET', '{t}x', '{t}y') // '';
            my ($x, $y) = $r =~ /^\*2\r\n\$\d+\r\n(\d+)\r\n\$\d+\r\n(\d+)\r\n$/;
            $bad++ unless defined $x && $x == $y;
        }
        return $bad;
    });
    is(failures($writer), 0, 'hashtag MSETs ran');
    is(failures($reader), 0, 'MGET never saw a hashtag MSET half applied');
}

done_testing;
