#!/usr/bin/perl
# The list commands against redis-server, byte for byte: LPUSH RPUSH LPUSHX
# RPUSHX LPOP RPOP LLEN LINDEX LINSERT LPOS LRANGE LREM LSET LTRIM LMOVE
# RPOPLPUSH LMPOP, every option and error, on missing keys, strings, binary
# elements, long lists that span many nodes, and keys on different shards
# (LMOVE, RPOPLPUSH and LMPOP between them, RENAME, COPY). A seeded random
# run of commands is compared step by step with LRANGE 0 -1.
#
# Everything runs twice: with the default list-max-listpack-size and with
# nodes of 3 elements, where every long-list case crosses node boundaries
# all the time. Redis's replies do not depend on the node size.

use v5.36;
use lib 't/lib';
use Test::More;
use Kevyd qw(safety_alarm key_shard);
use Diff;

safety_alarm(600);

my @cases;
sub add ($name, @steps) { push @cases, [ $name, \@steps ] }

# A case named after its commands.
sub seq (@steps) {
    add(join(' ; ', map { join ' ', map { Diff::vis($_, 40) } @$_ } @steps),
        @steps);
}

my $LMAX = '9223372036854775807';
my $LMIN = '-9223372036854775808';
my $BIG = '9223372036854775808';    # one past LLONG_MAX

# Two keys on different shards at 2 and at 4 workers (and a third), so the
# moves between them are cross-shard ones; {t} keys share a slot.
my ($KA, $KB, $KC);
{
    my @k = map { "key:$_" } 0 .. 200;
    ($KA) = @k;
    ($KB) = grep { key_shard($_, 2) != key_shard($KA, 2)
                   && key_shard($_, 4) != key_shard($KA, 4) } @k;
    ($KC) = grep { key_shard($_, 4) != key_shard($KA, 4)
                   && key_shard($_, 4) != key_shard($KB, 4) } @k;
}

# The list l = a b c d e b a and the string s, before every case of on_l().
sub on_l (@steps) {
    seq([qw(RPUSH l a b c d e b a)], [qw(SET s str)], @steps);
}

# -------------------------------------------------- LPUSH RPUSH

seq([qw(LPUSH l a)], [qw(LRANGE l 0 -1)], [qw(TYPE l)]);
seq([qw(RPUSH l a)], [qw(RPUSH l b c)], [qw(LRANGE l 0 -1)]);
seq([qw(LPUSH l a b c)], [qw(LPUSH l d)], [qw(LRANGE l 0 -1)], [qw(LLEN l)]);
seq([qw(RPUSH l a b c)], [qw(LPUSH l x y z)], [qw(LRANGE l 0 -1)]);
seq(['RPUSH', 'l', '', '', 'x'], [qw(LRANGE l 0 -1)], [qw(LLEN l)]);
seq([qw(RPUSH l 1 2 3 -1 0 10 01 +1 1.5), $LMAX, $LMIN, $BIG],
    [qw(LRANGE l 0 -1)]);
seq([qw(SET s v)], [qw(LPUSH s a)], [qw(RPUSH s a b)], [qw(GET s)]);
seq(['LPUSH'], ['LPUSH', 'l'], ['RPUSH', 'l'], ['RPUSH'], [qw(EXISTS l)]);
seq([qw(lpush l a)], [qw(RpUsH l b)], [qw(lrange l 0 -1)]);
add('RPUSH 1000 elements in one command',
    ['RPUSH', 'l', map { "e$_" } 1 .. 1000], [qw(LLEN l)],
    [qw(LRANGE l 0 -1)], [qw(LINDEX l 500)]);
add('LPUSH 1000 elements one by one',
    (map { ['LPUSH', 'l', "e$_"] } 1 .. 1000), [qw(LRANGE l 0 -1)]);
add('RPUSH then LPUSH, alternating, 400 each',
    (map { (['RPUSH', 'l', "r$_"], ['LPUSH', 'l', "l$_"]) } 1 .. 400),
    [qw(LRANGE l 0 -1)], [qw(LLEN l)]);

# -------------------------------------------------- LPUSHX RPUSHX

seq([qw(LPUSHX l a)], [qw(EXISTS l)], [qw(RPUSHX l a b)], [qw(EXISTS l)]);
seq([qw(RPUSH l a)], [qw(LPUSHX l x y)], [qw(RPUSHX l z)],
    [qw(LRANGE l 0 -1)]);
seq([qw(SET s v)], [qw(LPUSHX s a)], [qw(RPUSHX s a)]);
seq(['LPUSHX', 'l'], ['RPUSHX', 'l'], ['LPUSHX']);

# -------------------------------------------------- LPOP RPOP

for my $cmd (qw(LPOP RPOP)) {
    on_l([$cmd, 'l'], [$cmd, 'l'], [qw(LRANGE l 0 -1)]);
    for my $count (qw(0 1 2 6 7 8 100), $LMAX) {
        on_l([$cmd, 'l', $count], [qw(LRANGE l 0 -1)], [qw(EXISTS l)]);
    }
    for my $bad ('-1', $LMIN, $BIG, qw(abc 1.5 +1 -0 01), ' 1', '1 ', '') {
        on_l([$cmd, 'l', $bad]);
        on_l([$cmd, 'nosuch', $bad]);
        on_l([$cmd, 's', $bad]);
    }
    on_l([$cmd, 'nosuch']);
    on_l([$cmd, 'nosuch', 0]);
    on_l([$cmd, 'nosuch', 1]);
    on_l([$cmd, 's']);
    on_l([$cmd, 's', 0]);
    on_l([$cmd, 's', 2]);
    on_l([$cmd, 'l', 1, 2]);
    on_l([$cmd, 'nosuch', 1, 2]);
    on_l([$cmd]);
    seq([qw(RPUSH l x)], [$cmd, 'l'], [qw(EXISTS l)], [$cmd, 'l'],
        [$cmd, 'l', 1]);
    seq([qw(RPUSH l x y)], [$cmd, 'l', 2], [qw(EXISTS l)], [qw(TYPE l)]);
}
add('LPOP and RPOP take turns until empty',
    ['RPUSH', 'l', map { "e$_" } 1 .. 50],
    (map { ([qw(LPOP l)], [qw(RPOP l)], [qw(LLEN l)]) } 1 .. 26),
    [qw(EXISTS l)]);

# -------------------------------------------------- LLEN

on_l([qw(LLEN l)], [qw(LLEN nosuch)], [qw(LLEN s)]);
on_l(['LLEN'], [qw(LLEN l l)]);

# -------------------------------------------------- LINDEX

for my $i (qw(0 1 6 7 100 -1 -2 -7 -8 -100), $LMAX, $LMIN) {
    on_l(['LINDEX', 'l', $i]);
}
for my $bad (qw(abc 1.5 +1 -0 01), $BIG, '') {
    on_l(['LINDEX', 'l', $bad]);
    on_l(['LINDEX', 'nosuch', $bad]);   # the key first: nil
    on_l(['LINDEX', 's', $bad]);        # then the type
}
on_l([qw(LINDEX nosuch 0)], [qw(LINDEX s 0)]);
on_l(['LINDEX', 'l'], [qw(LINDEX l 0 1)]);

# -------------------------------------------------- LINSERT

for my $where (qw(BEFORE AFTER before after BeFoRe)) {
    for my $pivot (qw(a b e c zz)) {
        on_l(['LINSERT', 'l', $where, $pivot, 'NEW'], [qw(LRANGE l 0 -1)]);
    }
}
on_l([qw(LINSERT l MIDDLE a x)], [qw(LRANGE l 0 -1)]);
on_l([qw(LINSERT nosuch MIDDLE a x)]);      # syntax first
on_l([qw(LINSERT s MIDDLE a x)]);
on_l([qw(LINSERT nosuch BEFORE a x)], [qw(EXISTS nosuch)]);
on_l([qw(LINSERT s BEFORE a x)]);
on_l(['LINSERT', 'l', 'BEFORE', 'a', ''], ['LINSERT', 'l', 'AFTER', '', 'x'],
     [qw(LRANGE l 0 -1)]);
on_l([qw(LINSERT l BEFORE a)], [qw(LINSERT l BEFORE a x y)]);
on_l(['LINSERT', 'l', 'BEFORE ', 'a', 'x'],
     ['LINSERT', 'l', 'BEFOR', 'a', 'x']);
seq([qw(RPUSH l x)], (map { ['LINSERT', 'l', 'BEFORE', 'x', "b$_"],
                            ['LINSERT', 'l', 'AFTER', 'x', "a$_"] } 1 .. 100),
    [qw(LRANGE l 0 -1)], [qw(LLEN l)]);

# -------------------------------------------------- LPOS

on_l([qw(LPOS l a)], [qw(LPOS l b)], [qw(LPOS l e)], [qw(LPOS l zz)]);
for my $opts ([qw(RANK 1)], [qw(RANK 2)], [qw(RANK 3)], [qw(RANK -1)],
              [qw(RANK -2)], [qw(RANK -3)], ['RANK', $LMAX],
              ['RANK', $LMIN], ['RANK', '-9223372036854775807'],
              [qw(COUNT 0)], [qw(COUNT 1)], [qw(COUNT 2)], [qw(COUNT 3)],
              ['COUNT', $LMAX], [qw(MAXLEN 0)], [qw(MAXLEN 1)],
              [qw(MAXLEN 2)], [qw(MAXLEN 6)], [qw(MAXLEN 7)], [qw(MAXLEN 8)],
              ['MAXLEN', $LMAX],
              [qw(RANK 2 COUNT 0)], [qw(RANK -1 COUNT 0)],
              [qw(RANK -2 COUNT 1)], [qw(RANK 1 COUNT 1 MAXLEN 1)],
              [qw(RANK -1 COUNT 0 MAXLEN 1)], [qw(RANK -1 COUNT 0 MAXLEN 3)],
              [qw(COUNT 0 MAXLEN 6)], [qw(MAXLEN 6 COUNT 0 RANK 1)],
              [qw(RANK 3 COUNT 0)], ['RANK', $LMIN, 'COUNT', 1],
              ['RANK', $LMIN, 'COUNT', 0], [qw(RANK 1 RANK -1)],
              [qw(COUNT 1 COUNT 0)], [qw(rank 2 count 0 maxlen 0)]) {
    for my $ele (qw(a b c zz)) {
        on_l(['LPOS', 'l', $ele, @$opts]);
    }
}
for my $bad ([qw(RANK 0)], [qw(RANK abc)], ['RANK', $BIG], [qw(RANK 1.5)],
             [qw(COUNT -1)], [qw(COUNT abc)], ['COUNT', $LMIN],
             [qw(MAXLEN -1)], [qw(MAXLEN abc)], ['MAXLEN', $BIG], ['RANK'],
             ['COUNT'], ['MAXLEN'], ['FOO'], [qw(FOO 1)], [qw(RANK 1 FOO)],
             [qw(RANK 0 COUNT -1)], [qw(COUNT -1 RANK 0)],
             [qw(COUNT 1 MAXLEN)]) {
    on_l(['LPOS', 'l', 'a', @$bad]);
    on_l(['LPOS', 'nosuch', 'a', @$bad]);
    on_l(['LPOS', 's', 'a', @$bad]);
}
on_l([qw(LPOS nosuch a)], [qw(LPOS nosuch a COUNT 0)],
     [qw(LPOS nosuch a COUNT 2)], [qw(LPOS nosuch a RANK -1)],
     [qw(LPOS nosuch a MAXLEN 2)]);
on_l([qw(LPOS s a)], [qw(LPOS s a COUNT 0)]);
on_l(['LPOS', 'l'], ['LPOS']);

# -------------------------------------------------- LRANGE

for my $r ([0, -1], [0, 0], [0, 6], [0, 7], [0, 100], [1, 3], [3, 1],
           [-1, -1], [-3, -1], [-7, -1], [-8, -1], [-100, 100], [-100, -50],
           [6, 6], [7, 7], [7, 100], [5, -3], [2, -6], [-1, 0],
           [0, $LMAX], [$LMIN, $LMAX], [$LMIN, -1], [$LMAX, $LMAX],
           [$LMIN, $LMIN], [-1, $LMIN], [1, $LMIN]) {
    on_l(['LRANGE', 'l', @$r]);
}
for my $bad ([qw(a 1)], [qw(1 a)], [1.5, 2], ['', 1], [$BIG, 1], [0, $BIG],
             [qw(+1 2)], [qw(01 2)]) {
    on_l(['LRANGE', 'l', @$bad]);
    on_l(['LRANGE', 'nosuch', @$bad]);   # the indexes first
    on_l(['LRANGE', 's', @$bad]);
}
on_l([qw(LRANGE nosuch 0 -1)], [qw(LRANGE s 0 -1)], [qw(LRANGE s 5 1)]);
on_l([qw(LRANGE l 0)], [qw(LRANGE l 0 1 2)]);

# -------------------------------------------------- LREM

for my $count (qw(0 1 2 3 -1 -2 -3 100 -100), $LMAX, $LMIN) {
    for my $ele (qw(a b e zz)) {
        on_l(['LREM', 'l', $count, $ele], [qw(LRANGE l 0 -1)]);
    }
}
for my $bad (qw(abc 1.5 +1), $BIG, '') {
    on_l(['LREM', 'l', $bad, 'a']);
    on_l(['LREM', 'nosuch', $bad, 'a']);   # the count first
    on_l(['LREM', 's', $bad, 'a']);
}
on_l([qw(LREM nosuch 0 a)], [qw(LREM s 0 a)]);
seq([qw(RPUSH l x x x)], [qw(LREM l 0 x)], [qw(EXISTS l)]);
seq([qw(RPUSH l x y x)], [qw(LREM l -1 x)], [qw(LRANGE l 0 -1)],
    [qw(LREM l 1 x)], [qw(LREM l 1 y)], [qw(EXISTS l)]);
on_l([qw(LREM l 0)], [qw(LREM l 0 a b)]);

# -------------------------------------------------- LSET

for my $i (qw(0 1 6 7 -1 -7 -8 100 -100), $LMAX, $LMIN) {
    on_l(['LSET', 'l', $i, 'NEW'], [qw(LRANGE l 0 -1)]);
}
for my $bad (qw(abc 1.5 +1), $BIG, '') {
    on_l(['LSET', 'l', $bad, 'x']);
    on_l(['LSET', 'nosuch', $bad, 'x']);   # the key first: no such key
    on_l(['LSET', 's', $bad, 'x']);
}
on_l([qw(LSET nosuch 0 x)], [qw(EXISTS nosuch)]);
on_l([qw(LSET s 0 x)]);
on_l(['LSET', 'l', 0, ''], ['LSET', 'l', 1, 'x' x 1000], ['LSET', 'l', 2,
     "\0\r\n"], [qw(LRANGE l 0 -1)]);
on_l([qw(LSET l 0)], [qw(LSET l 0 x y)]);

# -------------------------------------------------- LTRIM

for my $r ([0, -1], [0, 0], [1, -2], [2, 4], [4, 2], [-3, -1], [-1, -3],
           [-100, 100], [0, 100], [7, 10], [100, 200], [-100, -50], [3, 3],
           [6, -1], [0, $LMAX], [$LMIN, $LMAX], [$LMIN, $LMIN],
           [$LMAX, $LMAX], [-1, $LMIN]) {
    on_l(['LTRIM', 'l', @$r], [qw(LRANGE l 0 -1)], [qw(EXISTS l)]);
}
for my $bad ([qw(a 1)], [qw(1 a)], [$BIG, 1], ['', 0]) {
    on_l(['LTRIM', 'l', @$bad]);
    on_l(['LTRIM', 'nosuch', @$bad]);
    on_l(['LTRIM', 's', @$bad]);
}
on_l([qw(LTRIM nosuch 0 -1)], [qw(EXISTS nosuch)], [qw(LTRIM s 0 -1)]);
on_l([qw(LTRIM l 0)], [qw(LTRIM l 0 1 2)]);

# -------------------------------------------------- LMOVE RPOPLPUSH

my @dirs = ([qw(LEFT LEFT)], [qw(LEFT RIGHT)], [qw(RIGHT LEFT)],
            [qw(RIGHT RIGHT)], [qw(left right)], [qw(Right Left)]);
for my $pair ([qw(src dst)], [qw({t}src {t}dst)], [$KA, $KB], [$KB, $KC]) {
    my ($s, $d) = @$pair;
    for my $dir (@dirs) {
        seq(['RPUSH', $s, qw(a b c)], ['RPUSH', $d, qw(x y)],
            ['LMOVE', $s, $d, @$dir], ['LRANGE', $s, 0, -1],
            ['LRANGE', $d, 0, -1]);
        seq(['RPUSH', $s, qw(a b)], ['LMOVE', $s, $d, @$dir],
            ['LMOVE', $s, $d, @$dir], ['LMOVE', $s, $d, @$dir],
            ['EXISTS', $s], ['LRANGE', $d, 0, -1], ['TYPE', $d]);
    }
    seq(['RPUSH', $s, qw(a b c)], ['RPOPLPUSH', $s, $d],
        ['RPOPLPUSH', $s, $d], ['LRANGE', $s, 0, -1], ['LRANGE', $d, 0, -1]);
    seq(['RPUSH', $s, 'a'], ['RPOPLPUSH', $s, $d], ['EXISTS', $s],
        ['RPOPLPUSH', $s, $d], ['LRANGE', $d, 0, -1]);
    seq(['RPUSH', $s, 'a'], ['SET', $d, 'str'], ['LMOVE', $s, $d, 'LEFT',
        'RIGHT'], ['RPOPLPUSH', $s, $d], ['LRANGE', $s, 0, -1],
        ['GET', $d]);
    seq(['SET', $s, 'str'], ['RPUSH', $d, 'a'], ['LMOVE', $s, $d, 'LEFT',
        'LEFT'], ['RPOPLPUSH', $s, $d], ['LRANGE', $d, 0, -1]);
    seq(['LMOVE', $s, $d, 'LEFT', 'LEFT'], ['RPOPLPUSH', $s, $d],
        ['EXISTS', $s, $d]);
    seq(['SET', $d, 'str'], ['LMOVE', $s, $d, 'LEFT', 'LEFT'],
        ['RPOPLPUSH', $s, $d]);
    seq(['RPUSH', $s, 'a'], ['LMOVE', $s, $d, 'UP', 'LEFT'],
        ['LMOVE', $s, $d, 'LEFT', 'DOWN'], ['LMOVE', 'nosuch', $d, 'UP',
        'LEFT'], ['LMOVE', $s, $d, 'LEFT'], ['RPOPLPUSH', $s],
        ['LRANGE', $s, 0, -1]);
    seq(['RPUSH', $s, "\0a\r\n", 'x' x 5000, ''], ['LMOVE', $s, $d, 'LEFT',
        'LEFT'], ['LMOVE', $s, $d, 'RIGHT', 'RIGHT'], ['RPOPLPUSH', $s, $d],
        ['LRANGE', $d, 0, -1], ['EXISTS', $s]);
    seq(['RPUSH', $s, qw(a b c)], ['EXPIRE', $s, 100], ['RPUSH', $d, 'x'],
        ['EXPIRE', $d, 200], ['LMOVE', $s, $d, 'LEFT', 'RIGHT'],
        ['TTL', $s], ['TTL', $d], ['RPOPLPUSH', $s, $d], ['TTL', $s],
        ['TTL', $d]);
    seq(['RPUSH', $s, 'a'], ['EXPIRE', $s, 100], ['LMOVE', $s, $d, 'LEFT',
        'LEFT'], ['TTL', $d], ['EXISTS', $s]);
}
for my $dir (@dirs) {
    seq([qw(RPUSH l a b c)], ['LMOVE', 'l', 'l', @$dir], [qw(LRANGE l 0 -1)]);
    seq([qw(RPUSH l a)], ['LMOVE', 'l', 'l', @$dir], [qw(LRANGE l 0 -1)]);
}
seq([qw(RPUSH l a b c)], [qw(RPOPLPUSH l l)], [qw(RPOPLPUSH l l)],
    [qw(LRANGE l 0 -1)]);
seq([qw(RPUSH l a)], [qw(RPOPLPUSH l l)], [qw(LRANGE l 0 -1)]);
seq([qw(SET s v)], [qw(LMOVE s s LEFT LEFT)], [qw(RPOPLPUSH s s)]);
seq([qw(LMOVE a b LEFT)], [qw(LMOVE a b LEFT RIGHT x)], [qw(RPOPLPUSH a)],
    [qw(RPOPLPUSH a b c)]);
add('RPOPLPUSH rotates 100 times',
    ['RPUSH', 'l', map { "e$_" } 1 .. 30],
    (map { [qw(RPOPLPUSH l l)] } 1 .. 100), [qw(LRANGE l 0 -1)]);
add("LMOVE a list of 60 element by element to $KB and back",
    ['RPUSH', $KA, map { "e$_" } 1 .. 60],
    (map { ['LMOVE', $KA, $KB, 'RIGHT', 'LEFT'] } 1 .. 61),
    ['EXISTS', $KA], ['LRANGE', $KB, 0, -1],
    (map { ['RPOPLPUSH', $KB, $KA] } 1 .. 61), ['LRANGE', $KA, 0, -1],
    ['EXISTS', $KB]);

# -------------------------------------------------- LMPOP

for my $keys ([qw(l)], [qw(nosuch l)], [qw(l nosuch)], [qw(nosuch1 nosuch2)],
              [qw(l l)], [qw(m l)]) {
    for my $where (qw(LEFT RIGHT left Right)) {
        for my $count ([], [qw(COUNT 1)], [qw(COUNT 2)], [qw(COUNT 7)],
                       [qw(COUNT 100)], ['COUNT', $LMAX]) {
            on_l([qw(RPUSH m x y)],
                 ['LMPOP', scalar @$keys, @$keys, $where, @$count],
                 [qw(LRANGE l 0 -1)], [qw(LRANGE m 0 -1)],
                 [qw(EXISTS l m)]);
        }
    }
}
for my $bad ([qw(0 l LEFT)], [qw(-1 l LEFT)], [qw(abc l LEFT)],
             [qw(1.5 l LEFT)], [$BIG, qw(l LEFT)], [$LMAX, qw(l LEFT)],
             [$LMIN, qw(l LEFT)], [qw(2147483647 l LEFT)],
             [qw(4294967297 l LEFT)], [qw(2 l LEFT)], [qw(3 l l LEFT)],
             [qw(1 l MIDDLE)], [qw(1 l LEFT COUNT)], [qw(1 l LEFT COUNT 0)],
             [qw(1 l LEFT COUNT -1)], [qw(1 l LEFT COUNT abc)],
             [qw(1 l LEFT COUNT 1 COUNT 1)], [qw(1 l LEFT FOO)],
             [qw(1 l LEFT FOO 1)], [qw(1 l LEFT 1)], [qw(1 l)], [qw(1)],
             [qw(2 l nosuch LEFT COUNT 0)], [qw(1 s LEFT COUNT 0)],
             [qw(1 s MIDDLE)], [qw(1 l LEFT count 2 COUNT 2)]) {
    on_l(['LMPOP', @$bad], [qw(LLEN l)]);
}
on_l([qw(LMPOP 1 s LEFT)], [qw(LMPOP 2 s l LEFT)], [qw(LMPOP 2 l s RIGHT)],
     [qw(LMPOP 2 nosuch s LEFT)], [qw(LLEN l)]);
on_l(['LMPOP']);
for my $keys ([$KA, $KB], [$KB, $KA], [$KA, $KB, $KC], [$KC, 'nosuch', $KB]) {
    seq(['RPUSH', $KB, qw(b1 b2 b3)], ['RPUSH', $KC, qw(c1 c2)],
        ['LMPOP', scalar @$keys, @$keys, 'LEFT'],
        ['LMPOP', scalar @$keys, @$keys, 'RIGHT', 'COUNT', 10],
        ['LMPOP', scalar @$keys, @$keys, 'LEFT', 'COUNT', 2],
        ['LMPOP', scalar @$keys, @$keys, 'LEFT'],
        ['EXISTS', $KA, $KB, $KC]);
    seq(['SET', $KA, 'str'], ['RPUSH', $KB, 'b'],
        ['LMPOP', scalar @$keys, @$keys, 'LEFT'], ['LLEN', $KB]);
}

# -------------------------------------------------- COMMAND

seq([qw(COMMAND GETKEYS LMPOP 2 a b LEFT COUNT 3)],
    [qw(COMMAND GETKEYS LMPOP 1 a RIGHT)], [qw(COMMAND GETKEYS LMPOP 0 a LEFT)],
    [qw(COMMAND GETKEYS LMPOP 5 a LEFT)], [qw(COMMAND GETKEYS LMPOP x a LEFT)],
    [qw(COMMAND GETKEYS LMOVE a b LEFT RIGHT)],
    [qw(COMMAND GETKEYS RPOPLPUSH a b)], [qw(COMMAND GETKEYS LPUSH a x y)],
    [qw(COMMAND GETKEYSANDFLAGS LMOVE a b LEFT RIGHT)],
    [qw(COMMAND GETKEYSANDFLAGS LMPOP 2 a b LEFT)]);
seq([qw(COMMAND INFO lpush rpush lpushx rpushx lpop rpop llen lindex)],
    [qw(COMMAND INFO linsert lpos lrange lrem lset ltrim lmove rpoplpush)],
    [qw(COMMAND INFO lmpop)]);

# -------------------------------------------------- binary elements

add('binary elements: NUL, CR LF, 0xff, empty',
    ['RPUSH', 'l', "\0", "a\0b", "\r\n", "x\r\ny", "\xff\xfe", '', "\n"],
    [qw(LRANGE l 0 -1)], ['LPOS', 'l', "a\0b"], ['LPOS', 'l', "a"],
    ['LPOS', 'l', ''], ['LREM', 'l', 0, "\r\n"], ['LINSERT', 'l', 'AFTER',
    "\0", "\0\0"], ['LINSERT', 'l', 'BEFORE', "a", "z"],
    ['LINDEX', 'l', 1], ['LINDEX', 'l', 2], ['LSET', 'l', -1, "\r\n\0"],
    [qw(LRANGE l 0 -1)], [qw(RPOP l 3)], [qw(LPOP l)]);
add('binary key names',
    ['RPUSH', "k\0\r\n", 'a', 'b'], ['LRANGE', "k\0\r\n", 0, -1],
    ['LLEN', "k\0"], ['LMOVE', "k\0\r\n", "\xff", 'LEFT', 'LEFT'],
    ['LMPOP', 2, "k\0", "k\0\r\n", 'RIGHT'], ['LRANGE', "\xff", 0, -1]);
add('elements of 127, 128, 16383, 16384 and 100000 bytes',
    ['RPUSH', 'l', map { 'x' x $_ } 127, 128, 16383, 16384, 100000],
    [qw(LRANGE l 0 -1)], ['LPOS', 'l', 'x' x 16384], [qw(LINDEX l 3)],
    ['LSET', 'l', 0, 'y' x 20000], ['LSET', 'l', 4, 'z'],
    ['LINSERT', 'l', 'BEFORE', 'x' x 16383, 'w' x 70000],
    [qw(LRANGE l 0 -1)], [qw(LREM l 0 z)], [qw(RPOP l 2)], [qw(LLEN l)]);

# -------------------------------------------------- lists as keys

on_l([qw(TYPE l)], [qw(OBJECT ENCODING l)], [qw(EXISTS l)], ['DBSIZE']);
add('OBJECT ENCODING of a long list is quicklist too',
    ['RPUSH', 'l', map { "element-$_" } 1 .. 5000],
    [qw(OBJECT ENCODING l)], [qw(RPUSH big), 'x' x 100000],
    [qw(OBJECT ENCODING big)]);
on_l([qw(RPUSH l x)], [qw(EXPIRE l 100)], [qw(LPUSH l y)], [qw(TTL l)],
     [qw(LPOP l)], [qw(TTL l)], [qw(LSET l 0 z)], [qw(TTL l)],
     [qw(LTRIM l 0 2)], [qw(TTL l)]);
for my $pair ([qw(l l2)], [qw({t}l {t}l2)], [$KA, $KB], [$KB, $KC]) {
    my ($a, $b) = @$pair;
    seq(['RPUSH', $a, qw(a b c)], ['EXPIRE', $a, 100], ['RENAME', $a, $b],
        ['LRANGE', $b, 0, -1], ['TTL', $b], ['EXISTS', $a],
        ['RPUSH', $b, 'd'], ['LRANGE', $b, 0, -1]);
    seq(['RPUSH', $a, qw(a b c)], ['RPUSH', $b, 'x'], ['RENAMENX', $a, $b],
        ['RENAME', $a, $b], ['LRANGE', $b, 0, -1]);
    seq(['RPUSH', $a, qw(a b c)], ['COPY', $a, $b], ['RPUSH', $b, 'd'],
        ['LPOP', $a], ['LRANGE', $a, 0, -1], ['LRANGE', $b, 0, -1],
        ['COPY', $a, $b], ['COPY', $a, $b, 'REPLACE'],
        ['LRANGE', $b, 0, -1]);
    seq(['RPUSH', $a, map { "e$_" } 1 .. 3000], ['COPY', $a, $b],
        ['RENAME', $a, 'x'], ['LRANGE', $b, 0, -1], ['LINDEX', 'x', 1500],
        ['LLEN', $b]);
    seq(['SET', $a, 'str'], ['RPUSH', $b, 'x'], ['RENAME', $b, $a],
        ['TYPE', $a], ['LRANGE', $a, 0, -1], ['COPY', $a, $b],
        ['LRANGE', $b, 0, -1]);
}
on_l([qw(COPY l l DB 1)], [qw(SELECT 1)], [qw(LRANGE l 0 -1)],
     [qw(RPUSH l z)], [qw(SELECT 0)], [qw(LRANGE l 0 -1)]);
on_l([qw(MOVE l 2)], [qw(EXISTS l)], [qw(SELECT 2)], [qw(LRANGE l 0 -1)]);
on_l([qw(SWAPDB 0 3)], [qw(SELECT 3)], [qw(LPOP l)], [qw(LLEN l)]);
on_l([qw(DEL l s)], [qw(EXISTS l)], [qw(RPUSH l again)],
     [qw(LRANGE l 0 -1)]);
on_l([qw(SET l v)], [qw(TYPE l)], [qw(GET l)]);
on_l([qw(GETSET l v)], [qw(TYPE l)]);
on_l([qw(SELECT 5)], [qw(RPUSH l x)], [qw(LRANGE l 0 -1)], [qw(SELECT 0)],
     [qw(LRANGE l 0 -1)], ['FLUSHDB'], [qw(SELECT 5)], [qw(LLEN l)]);

# -------------------------------------------------- long lists

# 10000 elements, some of them repeated, then operations in the middle.
my @long = map { $_ % 100 == 0 ? 'dup' : "e$_" } 0 .. 9999;
sub on_long (@steps) {
    add('long: ' . join(' ; ', map { join ' ', map { Diff::vis($_, 30) } @$_ }
                        @steps),
        ['RPUSH', 'l', @long], @steps);
}
on_long([qw(LLEN l)], [qw(LRANGE l 0 -1)]);
on_long(map { ['LINDEX', 'l', $_] } qw(0 1 99 100 4999 5000 5001 9998 9999
                                        10000 -1 -5000 -10000 -10001));
on_long(map { ['LRANGE', 'l', @$_] } [0, 10], [4990, 5010], [-20, -1],
        [9990, 20000], [5000, 4000], [-10001, 3], [2000, 7999]);
on_long(['LSET', 'l', 5000, 'middle'], ['LSET', 'l', 5001, 'x' x 3000],
        ['LSET', 'l', 4999, ''], ['LSET', 'l', -1, 'last'],
        ['LSET', 'l', 0, 'first'], ['LSET', 'l', 10000, 'x'],
        [qw(LRANGE l 4990 5010)], [qw(LRANGE l 0 -1)]);
on_long((map { ['LINSERT', 'l', 'BEFORE', "e$_", "before$_"],
               ['LINSERT', 'l', 'AFTER', "e$_", "after$_"] }
         qw(1 2501 5001 7777 9999)),
        [qw(LINSERT l AFTER dup first-dup)], [qw(LLEN l)],
        [qw(LRANGE l 0 -1)]);
on_long([qw(LREM l 10 dup)], [qw(LLEN l)], [qw(LREM l -10 dup)],
        [qw(LLEN l)], [qw(LPOS l dup COUNT 0)], [qw(LREM l 0 dup)],
        [qw(LPOS l dup)], [qw(LREM l 0 e5001)], [qw(LRANGE l 0 -1)]);
on_long([qw(LTRIM l 2500 7499)], [qw(LLEN l)], [qw(LINDEX l 0)],
        [qw(LINDEX l -1)], [qw(LRANGE l 0 -1)]);
on_long([qw(LTRIM l 5000 5000)], [qw(LRANGE l 0 -1)]);
on_long([qw(LTRIM l -3 -1)], [qw(LRANGE l 0 -1)]);
on_long([qw(LPOS l dup)], [qw(LPOS l dup RANK 50)], [qw(LPOS l dup RANK -3)],
        [qw(LPOS l dup COUNT 0)], [qw(LPOS l dup COUNT 0 RANK -1)],
        [qw(LPOS l dup COUNT 5 RANK 20 MAXLEN 5000)],
        [qw(LPOS l e9999 MAXLEN 9999)], [qw(LPOS l e9999 MAXLEN 10000)],
        [qw(LPOS l e0 RANK -1 MAXLEN 9999)],
        [qw(LPOS l e1 RANK -1 MAXLEN 9999)]);
on_long([qw(LPOP l 3000)], [qw(RPOP l 3000)], [qw(LLEN l)],
        [qw(LRANGE l 0 -1)], [qw(LPOP l 10000)], [qw(EXISTS l)]);
on_long([qw(LMPOP 1 l RIGHT COUNT 9990)], [qw(LRANGE l 0 -1)]);
on_long((map { ['RPOPLPUSH', 'l', 'l'] } 1 .. 200), [qw(LRANGE l 0 -1)]);
on_long((map { ['LMOVE', 'l', 'l2', 'LEFT', 'RIGHT'] } 1 .. 200),
        [qw(LRANGE l2 0 -1)], [qw(LLEN l)]);
on_long(['LPUSH', 'l', map { "p$_" } 1 .. 5000], [qw(LLEN l)],
        [qw(LINDEX l 5000)], [qw(LRANGE l 4995 5005)]);
add('long: every 7th element replaced, then removed',
    ['RPUSH', 'l', @long],
    (map { ['LSET', 'l', $_ * 7, "seven$_"] } 0 .. 300),
    (map { ['LREM', 'l', 1, "seven$_"] } 0 .. 300),
    [qw(LLEN l)], [qw(LRANGE l 0 -1)]);
add('long: 2000 LINSERTs around one pivot in the middle',
    ['RPUSH', 'l', @long],
    (map { ['LINSERT', 'l', $_ % 2 ? 'BEFORE' : 'AFTER', 'e5555', "i$_"] }
     1 .. 2000),
    [qw(LLEN l)], [qw(LRANGE l 5000 9000)], [qw(LPOS l e5555)]);

# -------------------------------------------------- the random run

# A seeded stream of list commands on three keys (one on another shard
# than the others, one sharing a slot), each followed by LRANGE of the key
# it touched. Elements come from a small alphabet so that LREM, LPOS and
# LINSERT hit.
{
    my $seed = 20240607;
    my $rand = sub ($n) {
        # an LCG whose products fit in Perl's 64-bit integers
        $seed = ($seed * 1103515245 + 12345) % 2147483648;
        return int(($seed >> 8) % $n);
    };
    my @keys = ($KA, $KB, "{$KA}b");
    my @elems = (qw(a b c d e 1 2 100 -1), '', "\0", "x\r\n", 'y' x 300);
    my $ele = sub { $elems[ $rand->(scalar @elems) ] };
    my $idx = sub { $rand->(41) - 20 };
    my @gen = (
        sub ($k) { [ 'RPUSH', $k, map { $ele->() } 0 .. $rand->(5) ] },
        sub ($k) { [ 'LPUSH', $k, map { $ele->() } 0 .. $rand->(5) ] },
        sub ($k) { [ 'RPUSHX', $k, $ele->() ] },
        sub ($k) { [ 'LPUSHX', $k, $ele->() ] },
        sub ($k) { [ 'LPOP', $k ] },
        sub ($k) { [ 'RPOP', $k, $rand->(4) ] },
        sub ($k) { [ 'LINSERT', $k, $rand->(2) ? 'BEFORE' : 'AFTER',
                     $ele->(), $ele->() ] },
        sub ($k) { [ 'LREM', $k, $rand->(5) - 2, $ele->() ] },
        sub ($k) { [ 'LSET', $k, $idx->(), $ele->() ] },
        sub ($k) { [ 'LTRIM', $k, $idx->(), $idx->() ] },
        sub ($k) { [ 'LINDEX', $k, $idx->() ] },
        sub ($k) { [ 'LPOS', $k, $ele->(), 'RANK', $rand->(2) ? 1 : -1,
                     'COUNT', $rand->(3) ] },
        sub ($k) { [ 'LMOVE', $k, $keys[ $rand->(3) ],
                     $rand->(2) ? 'LEFT' : 'RIGHT',
                     $rand->(2) ? 'LEFT' : 'RIGHT' ] },
        sub ($k) { [ 'RPOPLPUSH', $k, $keys[ $rand->(3) ] ] },
        sub ($k) { [ 'LMPOP', 2, $k, $keys[ $rand->(3) ],
                     $rand->(2) ? 'LEFT' : 'RIGHT', 'COUNT',
                     1 + $rand->(3) ] },
        sub ($k) { [ 'LRANGE', $k, $idx->(), $idx->() ] },
    );
    for my $run (1 .. 12) {
        my @steps;
        for (1 .. 200) {
            my $k = $keys[ $rand->(3) ];
            # pushes a third of the time, so the lists grow
            my $g = $rand->(3) == 0 ? $gen[ $rand->(2) ]
                                    : $gen[ 2 + $rand->(@gen - 2) ];
            my $cmd = $g->($k);
            push @steps, $cmd, ['LRANGE', $k, 0, -1];
            push @steps, ['LRANGE', $cmd->[2], 0, -1]
                if $cmd->[0] =~ /^(LMOVE|RPOPLPUSH)$/;
            push @steps, ['LRANGE', $cmd->[3], 0, -1]
                if $cmd->[0] eq 'LMPOP';
        }
        push @steps, map { (['LRANGE', $_, 0, -1], ['TYPE', $_]) } @keys;
        add("random run $run (200 commands)", @steps);
    }
}

# Only where the setting is Redis's default.
my @default_only = (
    [ 'CONFIG GET list-max-listpack-size',
      [ [qw(CONFIG GET list-max-listpack-size)],
        [qw(CONFIG GET LIST-MAX-LISTPACK-SIZE)] ] ],
);

Diff::each_server(sub ($d) { $d->cases(@cases, @default_only) });
Diff::each_server(sub ($d) { $d->cases(@cases) },
                  conf => { 'list-max-listpack-size' => 3 });

done_testing;
