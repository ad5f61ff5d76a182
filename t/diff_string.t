#!/usr/bin/perl
# The string commands against redis-server, byte for byte: GET, SET and all
# its options, SETNX, SETEX, PSETEX, GETSET, GETDEL, GETEX, MGET, MSET,
# MSETNX, APPEND, STRLEN, GETRANGE, SUBSTR, SETRANGE, INCR, DECR, INCRBY,
# DECRBY, INCRBYFLOAT, LCS. Keys are spread over hash slots (so over
# kevyd's shards); {tag} keys share one.

use v5.36;
use lib 't/lib';
use Test::More;
use Kevyd qw(safety_alarm);
use Diff;

safety_alarm(240);

my @cases;
sub add ($name, @steps) { push @cases, [ $name, \@steps ] }

# A case named after its commands.
sub seq (@steps) {
    add(join(' ; ', map { join ' ', @$_ } @steps), @steps);
}

# TTL after an absolute expire time: redis and kevyd may round on either
# side of a second.
sub ttl_near ($key) { { cmd => ['TTL', $key], check => Diff::near(1) } }

my $LMAX = '9223372036854775807';
my $LMIN = '-9223372036854775808';
my $now = time;

# -------------------------------------------------- GET, SET

seq([qw(SET k v)], [qw(GET k)]);
seq([qw(GET nosuch)]);
seq(['SET', 'k', ''], [qw(GET k)], [qw(STRLEN k)]);
seq(['SET', '', 'empty key'], ['GET', ''], ['EXISTS', '']);
seq([qw(SET k v1)], [qw(SET k v2)], [qw(GET k)]);
add('SET / GET binary key and value',
    ['SET', "k\0\r\n\xff", "v\0\r\n\x00\xfe"], ['GET', "k\0\r\n\xff"],
    ['GET', "k\0"], ['STRLEN', "k\0\r\n\xff"]);
add('SET / GET a value of 100000 bytes', ['SET', 'big', 'x' x 100000],
    ['GET', 'big'], ['STRLEN', 'big']);
add('SET / GET a key of 10000 bytes', ['SET', 'K' x 10000, 'v'],
    ['GET', 'K' x 10000]);
add('SET / GET 200 keys over all slots',
    (map { ['SET', "key:$_", "value:$_"] } 1 .. 200),
    (map { ['GET', "key:$_"] } 1 .. 200));
add('SET / GET hash tags', (map { ['SET', "{user$_}:name", "n$_"],
                                  ['SET', "{user$_}:mail", "m$_"] } 1 .. 20),
    (map { ['GET', "{user$_}:name"], ['GET', "{user$_}:mail"] } 1 .. 20));
add('SET / GET integers keep their text',
    map { ['SET', "i$_", $_], ['GET', "i$_"] }
    qw(0 1 -1 123 -123 01 +1 -0 00 9223372036854775807
       -9223372036854775808 9223372036854775808 1.5 1e3 0x10), ' 1', '1 ');
seq(['GET']);
seq([qw(GET a b)]);
seq(['SET']);
seq([qw(SET k)]);
seq([qw(get k)], [qw(sEt k v)], [qw(gEt k)]);

# -------------------------------------------------- SET options

# Every combination of an expire option, NX/XX and GET, on a missing key,
# a key without a TTL and a key with a TTL of 500 s.
my @expire = ([], [qw(EX 100)], [qw(PX 100000)], ['EXAT', $now + 100],
              ['PXAT', ($now + 100) * 1000], ['KEEPTTL']);
for my $e (@expire) {
    for my $cond ([], ['NX'], ['XX']) {
        for my $get ([], ['GET']) {
            for my $init ('missing', 'no ttl', 'ttl 500') {
                my @opts = (@$e, @$cond, @$get);
                my @pre = $init eq 'missing' ? ()
                    : $init eq 'no ttl' ? (['SET', 'k', 'old'])
                    : (['SET', 'k', 'old', 'EX', 500]);
                my $abs = @$e && $e->[0] =~ /AT$/;
                add("SET k new @opts (key $init)", @pre,
                    ['SET', 'k', 'new', @opts], ['GET', 'k'],
                    $abs ? ttl_near('k') : ['TTL', 'k']);
            }
        }
    }
}

# Options in any order and any case.
for my $o ([qw(GET EX 100 NX)], [qw(XX GET PX 5000)], [qw(get ex 100)],
           [qw(nx Px 100000)], [qw(keepttl xx)], [qw(KEEPTTL GET)],
           [qw(GET KEEPTTL XX)]) {
    add("SET k v @$o (k exists with TTL)", ['SET', 'k', 'old', 'EX', 300],
        ['SET', 'k', 'v', @$o], ['GET', 'k'], ['TTL', 'k']);
}

# Repeated options, conflicts, syntax errors.
for my $o ([qw(EX 10 EX 20)], [qw(PX 10000 PX 20000)], [qw(NX NX)],
           [qw(XX XX)], [qw(GET GET)], [qw(KEEPTTL KEEPTTL)],
           [qw(EX 10 PX 10000)], [qw(PX 10000 EX 10)], [qw(EX 10 EXAT 10)],
           [qw(EXAT 9999999999 PXAT 9999999999000)], [qw(NX XX)],
           [qw(XX NX)], [qw(EX 10 KEEPTTL)], [qw(KEEPTTL EX 10)],
           [qw(KEEPTTL PXAT 9999999999000)], ['EX'], ['PX'], ['EXAT'],
           ['PXAT'], ['FOO'], [qw(EX 10 FOO)], [qw(NX FOO)], ['EXX', 10],
           ['EX', ''], [qw(EX abc)], [qw(EX 1.5)], [qw(EX 10abc)],
           ['EX', ' 10'], [qw(EX 0x10)], [qw(EX +10)], [qw(EX 010)],
           [qw(PX 1.0)], [qw(EX 0)], [qw(EX -1)], [qw(PX 0)], [qw(PX -5)],
           [qw(EXAT 0)], [qw(PXAT 0)], [qw(EXAT -1)], [qw(PXAT -1)],
           ['EX', $LMAX], ['EX', $LMIN], ['PX', $LMAX], ['PX', $LMIN],
           [qw(EX 9223372036854775)], [qw(EX 9223372036854776)],
           [qw(EX 9223372036854775808)], ['EXAT', $LMAX],
           ['PXAT', $LMAX], [qw(EX 4294967296)]) {
    add("SET k v @$o", ['SET', 'k', 'old'], ['SET', 'k', 'v', @$o],
        ['GET', 'k']);
}

# Expire times already in the past: the key is deleted.
for my $o ([qw(EXAT 1)], [qw(PXAT 1)], ['EXAT', $now - 10],
           ['PXAT', $now * 1000 - 1], [qw(EXAT 1 GET)]) {
    add("SET k v @$o (in the past)", ['SET', 'k', 'old'],
        ['SET', 'k', 'v', @$o], ['GET', 'k'], ['EXISTS', 'k'], ['DBSIZE']);
}

seq([qw(SET k v EX 100)], [qw(SET k v2)], [qw(TTL k)]);
seq([qw(SET k v EX 100)], [qw(SET k v2 KEEPTTL)], [qw(TTL k)]);
seq([qw(SET k v EX 100)], [qw(SET k v2 NX)], [qw(GET k)], [qw(TTL k)]);

# -------------------------------------------------- SETNX, SETEX, PSETEX

seq([qw(SETNX k v)], [qw(SETNX k w)], [qw(GET k)]);
seq([qw(SET k v EX 100)], [qw(SETNX k w)], [qw(TTL k)]);
seq([qw(SETNX k)]);
seq([qw(SETNX k v x)]);
seq(['SETNX', "\0", "\r\n"], ['GET', "\0"]);

seq([qw(SETEX k 100 v)], [qw(GET k)], [qw(TTL k)]);
seq([qw(SET k old)], [qw(SETEX k 100 v)], [qw(GET k)], [qw(TTL k)]);
seq([qw(PSETEX k 100000 v)], [qw(GET k)], [qw(TTL k)]);
for my $t ('0', '-1', '-100', 'abc', '1.5', '', ' 1', $LMAX, $LMIN,
           '9223372036854775', '9223372036854776', '9223372036854775808') {
    seq([qw(SET k old)], ['SETEX', 'k', $t, 'v'], [qw(GET k)]);
    seq([qw(SET k old)], ['PSETEX', 'k', $t, 'v'], [qw(GET k)]);
}
seq([qw(SETEX k 10)]);
seq([qw(SETEX k 10 v x)]);
seq([qw(PSETEX k 10)]);

# -------------------------------------------------- GETSET, GETDEL

seq([qw(GETSET k v)], [qw(GETSET k w)], [qw(GET k)]);
seq([qw(SET k v EX 100)], [qw(GETSET k w)], [qw(TTL k)]);
seq(['SET', 'k', "\0b"], ['GETSET', 'k', ''], [qw(GET k)]);
seq([qw(GETSET k)]);
seq([qw(GETSET k a b)]);

seq([qw(SET k v)], [qw(GETDEL k)], [qw(EXISTS k)], [qw(GETDEL k)]);
seq([qw(SET k v EX 100)], [qw(GETDEL k)], [qw(TTL k)]);
seq([qw(GETDEL nosuch)]);
seq([qw(GETDEL)]);
seq([qw(GETDEL a b)]);

# -------------------------------------------------- GETEX

seq([qw(SET k v EX 100)], [qw(GETEX k)], [qw(TTL k)]);
seq([qw(SET k v)], [qw(GETEX k EX 200)], [qw(TTL k)]);
seq([qw(SET k v)], [qw(GETEX k PX 200000)], [qw(TTL k)]);
add('GETEX k EXAT', [qw(SET k v)], ['GETEX', 'k', 'EXAT', $now + 300],
    ttl_near('k'));
add('GETEX k PXAT', [qw(SET k v)],
    ['GETEX', 'k', 'PXAT', ($now + 300) * 1000], ttl_near('k'));
seq([qw(SET k v EX 100)], [qw(GETEX k PERSIST)], [qw(TTL k)]);
seq([qw(SET k v)], [qw(GETEX k PERSIST)], [qw(TTL k)]);
seq([qw(SET k v)], [qw(GETEX k ex 200)], [qw(TTL k)]);
seq([qw(GETEX nosuch EX 100)], [qw(EXISTS nosuch)]);
seq([qw(GETEX nosuch)]);
seq([qw(SET k v)], [qw(GETEX k EXAT 1)], [qw(EXISTS k)]);
seq([qw(SET k v)], [qw(GETEX k PXAT 1)], [qw(GET k)]);
for my $o (['EX'], ['PX'], [qw(EX 0)], [qw(EX -1)], [qw(PX 0)],
           [qw(EXAT 0)], [qw(PXAT -1)], [qw(EX abc)], [qw(EX 1.5)],
           ['EX', ''], [qw(EX 100 PX 100000)], [qw(EX 100 EX 100)],
           [qw(PERSIST EX 100)], [qw(EX 100 PERSIST)], [qw(PERSIST PERSIST)],
           ['FOO'], [qw(EX 100 FOO)], ['EX', $LMAX], ['PX', $LMAX],
           [qw(EX 9223372036854776)], ['EXAT', $LMAX], ['KEEPTTL'],
           ['NX'], ['GET']) {
    seq([qw(SET k v EX 100)], ['GETEX', 'k', @$o], [qw(TTL k)]);
}
seq(['GETEX']);

# -------------------------------------------------- MGET, MSET, MSETNX

add('MGET 100 keys over all slots, half missing',
    (map { ['SET', "m:$_", $_] } grep { $_ % 2 } 1 .. 100),
    ['MGET', map { "m:$_" } 1 .. 100]);
seq([qw(MGET a)]);
seq([qw(SET a 1)], [qw(MGET a a a b a)]);
seq([qw(MSET {t}a 1 {t}b 2)], [qw(MGET {t}a {t}b {t}c)]);
seq(['MGET']);
add('MSET 100 keys over all slots', ['MSET', map { ("s:$_", "v$_") } 1 .. 100],
    ['MGET', map { "s:$_" } 1 .. 100], ['DBSIZE']);
seq([qw(MSET a 1 b 2 a 3)], [qw(MGET a b)]);
seq([qw(SET a x EX 100)], [qw(MSET a 1 b 2)], [qw(TTL a)]);
seq([qw(MSET a 1 b)]);
seq([qw(MSET a)]);
seq(['MSET']);
seq(['MSET', "\0", "\r\n", "\xff", ''], ['MGET', "\0", "\xff"]);

seq([qw(MSETNX a 1 b 2 c 3)], [qw(MGET a b c)]);
seq([qw(SET b x)], [qw(MSETNX a 1 b 2 c 3)], [qw(MGET a b c)],
    ['DBSIZE']);
seq([qw(MSETNX {t}a 1 {t}b 2)], [qw(MSETNX {t}b 3 {t}c 4)],
    [qw(MGET {t}a {t}b {t}c)]);
seq([qw(MSETNX a 1 a 2)], [qw(GET a)]);
seq([qw(MSETNX a 1 b)]);
seq([qw(MSETNX a)]);
seq(['MSETNX']);
add('MSETNX 50 new keys over all slots',
    ['MSETNX', map { ("n:$_", $_) } 1 .. 50],
    ['MGET', map { "n:$_" } 1 .. 50]);
add('MSETNX 50 keys, the last exists: nothing set',
    ['SET', 'n:50', 'old'], ['MSETNX', map { ("n:$_", $_) } 1 .. 50],
    ['MGET', map { "n:$_" } 1 .. 50], ['DBSIZE']);
add('MSETNX 50 keys, the first exists: nothing set',
    ['SET', 'n:1', 'old'], ['MSETNX', map { ("n:$_", $_) } 1 .. 50],
    ['DBSIZE']);

# -------------------------------------------------- APPEND, STRLEN

seq([qw(APPEND k abc)], [qw(APPEND k def)], [qw(GET k)], [qw(STRLEN k)]);
seq(['APPEND', 'k', ''], [qw(EXISTS k)], [qw(GET k)]);
seq([qw(SET k 123)], [qw(APPEND k 456)], [qw(GET k)], [qw(INCR k)]);
seq(['APPEND', 'k', "\0\r\n"], ['APPEND', 'k', "\xff"], [qw(GET k)]);
seq([qw(SET k v EX 100)], [qw(APPEND k w)], [qw(TTL k)]);
add('APPEND 1000 times', (map { ['APPEND', 'k', "<$_>"] } 1 .. 1000),
    [qw(GET k)]);
seq([qw(APPEND k)]);
seq([qw(APPEND k a b)]);

seq([qw(STRLEN nosuch)]);
seq(['SET', 'k', ''], [qw(STRLEN k)]);
seq([qw(SET k 12345)], [qw(STRLEN k)]);
seq([qw(SET k -9223372036854775808)], [qw(STRLEN k)]);
seq(['SET', 'k', "\0\0\0"], [qw(STRLEN k)]);
seq(['STRLEN']);
seq([qw(STRLEN a b)]);

# -------------------------------------------------- GETRANGE, SUBSTR

for my $s (-12, -10, -9, -3, -1, 0, 1, 5, 9, 10, 11) {
    add("GETRANGE k $s -12..12",
        ['SET', 'k', '0123456789'],
        map { ['GETRANGE', 'k', $s, $_] } -12 .. 12);
}
add('GETRANGE with huge indexes', ['SET', 'k', 'hello'],
    map { ['GETRANGE', 'k', @$_] }
    [0, $LMAX], [$LMIN, $LMAX], [$LMIN, -1], [$LMAX, $LMAX], [$LMIN, $LMIN],
    [-1, $LMIN], [0, '4294967296'], ['-4294967296', -1]);
seq([qw(SET k 1234567)], [qw(GETRANGE k 2 4)], [qw(GETRANGE k -3 -1)]);
seq([qw(GETRANGE nosuch 0 -1)]);
seq(['SET', 'k', ''], [qw(GETRANGE k 0 -1)], [qw(GETRANGE k 0 0)],
    [qw(GETRANGE k -1 -1)]);
seq(['SET', 'k', "a\0b\r\nc"], [qw(GETRANGE k 1 4)]);
for my $bad ([qw(a 1)], [qw(0 b)], [qw(1.5 2)], ['', 1], [0, ''],
             [0, '9223372036854775808']) {
    seq([qw(SET k hello)], ['GETRANGE', 'k', @$bad]);
}
seq([qw(GETRANGE k 0)]);
seq([qw(GETRANGE k 0 1 2)]);
seq([qw(SET k hello)], [qw(SUBSTR k 1 3)], [qw(SUBSTR k -3 -1)],
    [qw(SUBSTR nosuch 0 1)]);
seq([qw(SUBSTR k 0)]);

# -------------------------------------------------- SETRANGE

for my $t ([0, 'XY'], [3, 'XY'], [4, 'XY'], [5, 'XY'], [8, 'XY'], [2, ''],
           [10, ''], [0, ''], [1, "\0\r\n"], [0, 'longer than hello']) {
    seq([qw(SET k hello)], ['SETRANGE', 'k', @$t], [qw(GET k)],
        [qw(STRLEN k)]);
}
for my $t ([0, 'abc'], [5, 'abc'], [0, ''], [5, ''], [100, 'z']) {
    seq(['SETRANGE', 'new', @$t], [qw(GET new)], [qw(EXISTS new)]);
}
seq([qw(SET k 12345)], [qw(SETRANGE k 1 9)], [qw(GET k)], [qw(INCR k)]);
seq([qw(SET k v EX 100)], [qw(SETRANGE k 1 w)], [qw(TTL k)]);
for my $off ('-1', $LMIN, '536870912', '536870913', $LMAX, 'abc', '1.5',
             '', '9223372036854775808') {
    seq([qw(SET k hello)], ['SETRANGE', 'k', $off, 'x'], [qw(GET k)]);
    seq(['SETRANGE', 'new', $off, ''], [qw(EXISTS new)]);
    seq([qw(SET k hello)], ['SETRANGE', 'k', $off, ''], [qw(GET k)]);
}
seq([qw(SETRANGE k 0)]);
seq([qw(SETRANGE k 0 a b)]);

# -------------------------------------------------- INCR, DECR, INCRBY, DECRBY

my @ints = ('0', '1', '-1', '41', $LMAX, $LMIN, '9223372036854775806',
            '-9223372036854775807', '9223372036854775808',
            '-9223372036854775809', '18446744073709551616', '', ' 1', '1 ',
            '0x10', '1.0', '1e3', '+1', '-0', '00', '01', 'abc', "1\0",
            '12345678901234567890');
my @int_ops = (['INCR'], ['DECR'], ['INCRBY', 10], ['INCRBY', -10],
               ['DECRBY', 10], ['DECRBY', -10], ['INCRBY', $LMAX],
               ['INCRBY', $LMIN], ['DECRBY', $LMAX], ['DECRBY', $LMIN],
               ['INCRBY', 0]);
for my $v (@ints) {
    for my $op (@int_ops) {
        my ($cmd, @arg) = @$op;
        add("SET k '" . Diff::vis($v) . "' ; $cmd k @arg",
            ['SET', 'k', $v], [$cmd, 'k', @arg], ['GET', 'k']);
    }
}
for my $arg ('abc', '1.5', '', ' 1', '0x10', '9223372036854775808',
             '-9223372036854775809', '+5', '05') {
    seq([qw(SET k 10)], ['INCRBY', 'k', $arg], ['DECRBY', 'k', $arg],
        [qw(GET k)]);
}
seq([qw(INCR n)], [qw(INCR n)], [qw(GET n)]);
seq([qw(DECR n)], [qw(GET n)]);
seq([qw(INCRBY n 5)], [qw(DECRBY n 7)], [qw(GET n)]);
seq([qw(SET n 5 EX 100)], [qw(INCR n)], [qw(TTL n)]);
add('INCR 500 times, one key', (map { ['INCR', 'c'] } 1 .. 500));
add('INCR 100 keys over all slots', (map { ['INCR', "c:$_"] } 1 .. 100),
    (map { ['INCRBY', "c:$_", $_] } 1 .. 100),
    ['MGET', map { "c:$_" } 1 .. 100]);
seq(['INCR']);
seq([qw(INCR a b)]);
seq([qw(DECR)]);
seq([qw(INCRBY k)]);
seq([qw(INCRBY k 1 2)]);
seq([qw(DECRBY k)]);

# -------------------------------------------------- INCRBYFLOAT

my @floats = ('10.5', '3.0e3', '1.1', '0', '-0', '1e308', '-1e308', '5.0e3',
              '1.0', '-5', $LMAX, '1e-5', '0.1', '17.7', 'inf', 'nan', 'abc',
              '', ' 1', '0x10', '1e309', '2.5e-324', '100');
my @incs = ('0', '0.1', '2.2', '-1.1', '1e308', '-1e308', '3.0e3', '1',
            'inf', '-inf', 'nan', 'abc', '', '1e400', '.5', '5.', '-0',
            '1e-300', '0x10');
for my $v (@floats) {
    for my $inc (@incs) {
        add("SET k '$v' ; INCRBYFLOAT k '$inc'", ['SET', 'k', $v],
            ['INCRBYFLOAT', 'k', $inc], ['GET', 'k']);
    }
}
seq([qw(INCRBYFLOAT f 1.1)], [qw(INCRBYFLOAT f 2.2)], [qw(GET f)]);
seq([qw(INCRBYFLOAT f 10.50)], [qw(INCRBYFLOAT f 0.1)],
    [qw(INCRBYFLOAT f -5)], [qw(INCRBYFLOAT f 1.5e3)], [qw(GET f)]);
seq([qw(SET f 5 EX 100)], [qw(INCRBYFLOAT f 1.5)], [qw(TTL f)]);
add('INCRBYFLOAT 100 times by 0.1', map { ['INCRBYFLOAT', 'f', '0.1'] }
    1 .. 100);
seq([qw(INCRBYFLOAT f)]);
seq([qw(INCRBYFLOAT f 1 2)]);

# -------------------------------------------------- LCS

my @lcs_pairs = (['ohmytext', 'mynewtext'], ['abc', 'abc'], ['abc', 'xyz'],
                 ['', 'abc'], ['', ''], ["a\0b\r\nc", "\0\r\nb"],
                 ['ABCBDAB', 'BDCABA'], ['aaaa', 'aa'],
                 ['the quick brown fox', 'a quick brown dog']);
my @lcs_opts = ([], ['LEN'], ['IDX'], [qw(IDX MINMATCHLEN 4)],
                [qw(IDX WITHMATCHLEN)], [qw(IDX MINMATCHLEN 2 WITHMATCHLEN)],
                [qw(IDX WITHMATCHLEN MINMATCHLEN 2)], [qw(idx minmatchlen 0)],
                [qw(IDX MINMATCHLEN -1)], [qw(len)]);
for my $p (@lcs_pairs) {
    for my $keys ([qw({l}a {l}b)], [qw(lcs:a lcs:b)]) {
        for my $o (@lcs_opts) {
            add("LCS '" . Diff::vis($p->[0]) . "' '" . Diff::vis($p->[1])
                . "' @$keys @$o",
                ['SET', $keys->[0], $p->[0]], ['SET', $keys->[1], $p->[1]],
                ['LCS', @$keys, @$o]);
        }
    }
}
{
    # Two related strings of 300 bytes (seeded): many matches.
    srand(7);
    my $x = join '', map { (qw(a c g t))[rand 4] } 1 .. 300;
    (my $y = $x) =~ s/(.)(.)/rand() < 0.2 ? "$2$1" : "$1$2"/ge;
    for my $o ([], ['LEN'], [qw(IDX MINMATCHLEN 5 WITHMATCHLEN)]) {
        add("LCS of two 300-byte strings @$o", ['SET', 'dna:1', $x],
            ['SET', 'dna:2', $y], ['LCS', 'dna:1', 'dna:2', @$o]);
    }
}
seq([qw(SET a ohmytext)], [qw(LCS a nosuch)], [qw(LCS nosuch a LEN)],
    [qw(LCS nosuch1 nosuch2 IDX)]);
seq([qw(SET a abc)], [qw(LCS a a)]);
for my $o ([qw(LEN IDX)], [qw(IDX LEN)], ['FOO'], ['MINMATCHLEN'],
           [qw(IDX MINMATCHLEN abc)], [qw(IDX MINMATCHLEN)],
           [qw(IDX MINMATCHLEN 1.5)], [qw(LEN MINMATCHLEN 2)],
           [qw(WITHMATCHLEN)], [qw(LEN WITHMATCHLEN)]) {
    seq([qw(SET a ohmytext)], [qw(SET b mynewtext)], ['LCS', 'a', 'b', @$o]);
}
seq([qw(LCS a)]);
seq(['LCS']);

# -------------------------------------------------- other databases

add('db 5: MSET, MGET, MSETNX, INCR, APPEND over all slots',
    [qw(SELECT 5)], ['MSET', map { ("d:$_", $_) } 1 .. 30],
    ['MSETNX', map { ("e:$_", $_) } 1 .. 30],
    ['MSETNX', 'e:1', 'x', 'f:1', 'y'],
    (map { (['INCR', "d:$_"], ['APPEND', "e:$_", '!']) } 1 .. 30),
    ['MGET', map { ("d:$_", "e:$_", "f:$_") } 1 .. 30], ['DBSIZE'],
    [qw(SELECT 0)], ['DBSIZE'], [qw(GET d:1)]);
add('db 3: SET options and GETEX', [qw(SELECT 3)],
    [qw(SET k v EX 100 NX)], [qw(SET k w XX GET KEEPTTL)], [qw(TTL k)],
    [qw(GETEX k PERSIST)], [qw(TTL k)], [qw(GETDEL k)], ['DBSIZE']);

# -------------------------------------------------- pipelines

push @cases, [ 'pipeline: 1000 SET / GET / INCR over many keys',
               [ map { (['SET', "p:$_", $_], ['GET', "p:" . ($_ * 7 % 1000)],
                        ['INCR', "p:$_"]) } 1 .. 1000 ],
               pipeline => 1 ];
push @cases, [ 'pipeline: MSET, MGET, APPEND interleaved',
               [ map { (['MSET', "a$_", 1, "b$_", 2, "c$_", 3],
                        ['MGET', "a$_", "b$_", "c$_", "d$_"],
                        ['APPEND', "b$_", 'x'], ['GET', "b$_"]) } 1 .. 200 ],
               pipeline => 1 ];

Diff::each_server(sub ($d) { $d->cases(@cases) });

done_testing;
