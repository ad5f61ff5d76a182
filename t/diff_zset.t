#!/usr/bin/perl
# The sorted set commands against redis-server, byte for byte: ZADD (NX XX
# GT LT CH INCR), ZINCRBY, ZREM, ZCARD, ZCOUNT, ZLEXCOUNT, ZSCORE, ZMSCORE,
# ZRANK, ZREVRANK, ZRANGE (BYSCORE BYLEX REV LIMIT WITHSCORES), ZRANGESTORE,
# ZREVRANGE, Z[REV]RANGEBYSCORE, Z[REV]RANGEBYLEX, ZREMRANGEBY{RANK,SCORE,
# LEX}, ZPOPMIN, ZPOPMAX, ZMPOP, ZRANDMEMBER, ZUNION, ZINTER, ZDIFF and
# their STORE forms, ZINTERCARD, ZSCAN; scores as Redis prints them; the
# listpack and skiplist encodings and the conversions (OBJECT ENCODING);
# wrong types; TYPE, SCAN TYPE, COPY, RENAME, DEL, EXPIRE on sorted sets,
# and the multi-key commands with keys on different shards; then seeded
# random sequences of commands compared after every step.
#
# Where Redis's reply depends on its hash function or its random numbers
# (ZRANDMEMBER, ZSCAN of a skiplist), the step checks what is
# deterministic.

use v5.36;
use lib 't/lib';
use Test::More;
use Kevyd qw(safety_alarm);
use Diff qw(parse vis);

safety_alarm(1500);

my @cases;
sub add ($name, @steps) { push @cases, [ $name, \@steps ] }

# A case named after its commands.
sub seq (@steps) {
    add(join(' ; ', map { ref $_ eq 'ARRAY' ? join(' ', @$_) : '...' }
                    @steps), @steps);
}

my $LMAX = '9223372036854775807';
my $LMIN = '-9223372036854775808';
my $LONG = 'L' x 65;    # a member too long for a listpack

sub sorted ($raw) {
    my $a = parse($raw);
    return ref $a eq 'ARRAY' ? join("\n", map { vis($_) } sort @$a)
                             : 'not an array: ' . vis($raw);
}
sub pairs_sorted ($raw) {
    my $a = parse($raw);
    return 'not an array: ' . vis($raw) unless ref $a eq 'ARRAY' && @$a % 2 == 0;
    my @p;
    push @p, vis($a->[$_ * 2]) . '=' . vis($a->[$_ * 2 + 1]) for 0 .. $#$a / 2;
    return join "\n", sort @p;
}
sub as_pairs ($args) {
    return { cmd => $args,
             check => sub ($k, $r) { pairs_sorted($k) eq pairs_sorted($r) } };
}
# A SCAN-like reply's elements as sorted pairs, and its cursor.
sub scan_sorted ($raw) {
    my $a = parse($raw);
    return 'not a scan reply: ' . vis($raw)
        unless ref $a eq 'ARRAY' && @$a == 2 && ref $a->[1] eq 'ARRAY';
    my @e = @{ $a->[1] };
    my @p;
    push @p, vis($e[$_ * 2]) . '=' . vis($e[$_ * 2 + 1]) for 0 .. $#e / 2;
    return "$a->[0]\n" . join "\n", sort @p;
}
sub as_scan ($args) {
    return { cmd => $args,
             check => sub ($k, $r) { scan_sorted($k) eq scan_sorted($r) } };
}

# Key names on different shards at 2 and 4 workers (shards 0, 3, 1, 2 of
# 4; the first two are also on different shards of 2).
sub spread ($prefix, $n = 2) {
    my @want = (0, 3, 1, 2);
    my @keys;
    for my $s (@want[0 .. $n - 1]) {
        my $i = 0;
        $i++ until Kevyd::key_shard("$prefix$i", 4) == $s;
        push @keys, "$prefix$i";
    }
    return @keys;
}

# A sorted set of n members m1 .. mn with scores 1 .. n (or by $score).
sub zfill ($key, $n, $score = sub ($i) { $i }, $mp = 'm') {
    return ['ZADD', $key, map { ($score->($_), "$mp$_") } 1 .. $n];
}

# The two encodings of the same small set: "z" as a listpack, and "z"
# made a skiplist by a long member added and removed again.
sub encodings (@setup) {
    return ([ 'listpack', @setup ],
            [ 'skiplist', ['ZADD', 'z', 0, $LONG], @setup,
              ['ZREM', 'z', $LONG] ]);
}

# ---------------------------------------------------------------- ZADD

seq([qw(ZADD z 1 a)], [qw(ZRANGE z 0 -1 WITHSCORES)], [qw(ZCARD z)]);
seq([qw(ZADD z 1 a 2 b 3 c)], [qw(ZADD z 4 a 5 d)], [qw(ZRANGE z 0 -1 WITHSCORES)]);
seq([qw(ZADD z 1 a 1 a 1 a)], [qw(ZADD z 1 a 2 a 3 a)], [qw(ZSCORE z a)]);
seq([qw(ZADD z 1 b 1 a 1 c 0 d 2 e)], [qw(ZRANGE z 0 -1)]);
seq([qw(ZADD z 1 a 2)], [qw(ZADD z 1)], [qw(ZADD z)], ['ZADD'], [qw(ZADD z a 1)],
    [qw(ZADD z NX)], [qw(ZADD z NX XX)], [qw(ZADD z CH 1)], [qw(EXISTS z)]);
seq([qw(ZADD z 1 a abc b)], [qw(EXISTS z)]);
seq([qw(zadd z 1 a)], [qw(ZaDd z nx 2 a)], [qw(ZSCORE z a)]);
seq(['ZADD', 'z', 1, ''], ['ZSCORE', 'z', ''], ['ZRANGE', 'z', 0, -1]);
add('binary members', ['ZADD', 'z', 1, "a\0b", 2, "\r\n", 3, "\0", 4, 'a'],
    ['ZRANGE', 'z', 0, -1, 'WITHSCORES'], ['ZSCORE', 'z', "a\0b"],
    ['ZRANK', 'z', "\0"], ['ZREM', 'z', "\r\n"], ['ZRANGE', 'z', 0, -1],
    ['ZRANGEBYLEX', 'z', '-', '+'], ['ZRANGEBYLEX', 'z', "[a\0", '+']);
add('binary key', ['ZADD', "z\0\r\n", 1, 'a'], ['ZCARD', "z\0\r\n"],
    ['ZCARD', 'z'], ['TYPE', "z\0\r\n"]);
add('a member of 100000 bytes', ['ZADD', 'z', 1, 'x' x 100000],
    ['ZRANGE', 'z', 0, -1], ['OBJECT', 'ENCODING', 'z']);

# Scores: accepted or not, and printed back as Redis prints them, in both
# encodings.
my @scores = ('0', '1', '-1', '1.5', '0.1', '0.3', '3.0', '-0.0', '-0',
              '+0', '1e100', '1E-300', '4.9e-324', '1e-320', '2.5e-308',
              '1.7976931348623157e308', '-1.7976931348623157e308', 'inf',
              '-inf', '+inf', 'INF', 'infinity', '-Infinity', '0x10',
              '0X1p3', '.5', '5.', '1e3', '123456789012345678',
              '4503599627370496', '4503599627370495', '-4503599627370495',
              '-4503599627370496', '9007199254740993', '0.1e-5', '1e21',
              '12345.678901234567890', '-0.000001', '100', '007',
              '1' x 400);
my @bad_scores = ('nan', 'NaN', '-nan', '', ' 1', '1 ', 'abc', '1e309',
                  '-1e309', '1e', 'e1', '--1', '1.2.3', "1\0", '0x', '(1',
                  '1e-400');
for my $s (@scores) {
    for my $e (encodings()) {
        my ($enc, @setup) = @$e;
        add("ZADD score " . vis($s, 40) . " ($enc)", @setup,
            ['ZADD', 'z', $s, 'a'], ['ZSCORE', 'z', 'a'],
            ['ZRANGE', 'z', 0, -1, 'WITHSCORES'], ['ZMSCORE', 'z', 'a', 'b'],
            ['ZINCRBY', 'z', 0, 'a'], ['ZSCAN', 'z', 0],
            ['OBJECT', 'ENCODING', 'z']);
    }
}
for my $s (@bad_scores) {
    add("ZADD bad score " . vis($s), ['ZADD', 'z', $s, 'a'], ['EXISTS', 'z'],
        ['ZADD', 'z', 1, 'a', $s, 'b'], ['ZRANGE', 'z', 0, -1],
        ['ZINCRBY', 'z', $s, 'a'], ['ZADD', 'z', 'INCR', $s, 'a']);
}

# Every combination of the options, for a new member, and an existing one
# with a lower, equal or higher new score.
my @opt_sets = ([], ['NX'], ['XX'], ['GT'], ['LT'], ['CH'], ['INCR'],
                [qw(NX CH)], [qw(XX CH)], [qw(GT CH)], [qw(LT CH)],
                [qw(XX GT)], [qw(XX LT)], [qw(XX GT CH)], [qw(XX LT CH)],
                [qw(NX INCR)], [qw(XX INCR)], [qw(GT INCR)], [qw(LT INCR)],
                [qw(CH INCR)], [qw(XX GT INCR)], [qw(XX LT CH INCR)],
                [qw(NX XX)], [qw(NX GT)], [qw(NX LT)], [qw(GT LT)],
                [qw(NX XX GT LT)], [qw(nx ch)], [qw(Incr Gt)],
                [qw(CH CH NX NX)]);
for my $o (@opt_sets) {
    for my $new (qw(5 10 15)) {
        for my $e (encodings([qw(ZADD z 10 a 20 b)])) {
            my ($enc, @setup) = @$e;
            add("ZADD z @$o $new a / $new c ($enc)", @setup,
                ['ZADD', 'z', @$o, $new, 'a'], ['ZADD', 'z', @$o, $new, 'c'],
                ['ZRANGE', 'z', 0, -1, 'WITHSCORES'],
                ['OBJECT', 'ENCODING', 'z']);
        }
    }
    add("ZADD nosuch @$o", ['ZADD', 'nosuch', @$o, 1, 'a'],
        ['ZRANGE', 'nosuch', 0, -1, 'WITHSCORES'], ['EXISTS', 'nosuch']);
    add("ZADD z @$o with 3 pairs", [qw(ZADD z 10 a 20 b)],
        ['ZADD', 'z', @$o, 5, 'a', 25, 'b', 1, 'c'],
        ['ZRANGE', 'z', 0, -1, 'WITHSCORES']);
}
seq([qw(ZADD z CH 1 a 2 b)], [qw(ZADD z CH 1 a 3 b 4 c)],
    [qw(ZADD z CH 1 a 3 b 4 c)]);
seq([qw(ZADD z INCR 1 a)], [qw(ZADD z INCR 1.5 a)], [qw(ZADD z INCR -10 a)],
    [qw(ZADD z INCR inf a)], [qw(ZADD z INCR -inf a)], [qw(ZSCORE z a)]);
seq([qw(ZADD z inf a)], [qw(ZADD z INCR -inf a)], [qw(ZINCRBY z -inf a)],
    [qw(ZSCORE z a)], [qw(ZINCRBY z inf a)], [qw(ZSCORE z a)]);
seq([qw(ZADD z 1 a)], [qw(ZADD z XX 2 b 3 a)], [qw(ZADD z NX 5 a 6 b)],
    [qw(ZRANGE z 0 -1 WITHSCORES)]);
seq([qw(ZADD z 5 a)], [qw(ZADD z GT CH 3 a)], [qw(ZADD z GT CH 7 a)],
    [qw(ZADD z LT CH 9 a)], [qw(ZADD z LT CH 1 a)], [qw(ZSCORE z a)]);
seq([qw(ZADD z 0 a)], [qw(ZADD z CH -0 a)], [qw(ZSCORE z a)],
    [qw(ZADD z GT -0 a)], [qw(ZADD z LT CH -0.0 a)]);

# ---------------------------------------------------------------- ZINCRBY

seq([qw(ZINCRBY z 1 a)], [qw(ZINCRBY z 2.5 a)], [qw(ZINCRBY z -10 a)],
    [qw(ZRANGE z 0 -1 WITHSCORES)]);
seq([qw(ZINCRBY z abc a)], [qw(ZINCRBY z nx a)], [qw(ZINCRBY z xx a)],
    [qw(ZINCRBY z incr a)], [qw(ZINCRBY z a)], [qw(ZINCRBY z 1 a b)],
    [qw(EXISTS z)]);
seq([qw(ZADD z 1 a 2 b 3 c)], [qw(ZINCRBY z 5 a)], [qw(ZRANGE z 0 -1)],
    [qw(ZINCRBY z -100 c)], [qw(ZRANGE z 0 -1 WITHSCORES)]);
seq([qw(ZINCRBY z 0.1 a)], [qw(ZINCRBY z 0.2 a)], [qw(ZSCORE z a)]);

# ---------------------------------------------------------------- ZREM, ZCARD, ZSCORE, ZMSCORE

for my $e (encodings([qw(ZADD z 1 a 2 b 3 c)])) {
    my ($enc, @setup) = @$e;
    add("ZREM ($enc)", @setup, [qw(ZREM z a)], [qw(ZREM z a)],
        [qw(ZREM z b x b)], [qw(ZRANGE z 0 -1)], [qw(ZREM z c)],
        [qw(EXISTS z)], [qw(ZCARD z)]);
    add("ZSCORE ZMSCORE ZCARD ($enc)", @setup, [qw(ZSCORE z a)],
        [qw(ZSCORE z x)], [qw(ZMSCORE z a x c a)], [qw(ZCARD z)],
        [qw(OBJECT ENCODING z)]);
}
seq([qw(ZREM nosuch a)], [qw(ZREM z)], [qw(ZCARD nosuch)], [qw(ZCARD)],
    [qw(ZCARD z x)], [qw(ZSCORE nosuch a)], [qw(ZSCORE z)],
    [qw(ZMSCORE nosuch a b)], [qw(ZMSCORE z)]);
seq([qw(ZADD z 1 a)], [qw(EXPIRE z 100)], [qw(ZREM z a)], [qw(TTL z)],
    [qw(ZADD z 1 a)], [qw(TTL z)]);

# ---------------------------------------------------------------- ZRANK, ZREVRANK

for my $e (encodings(zfill('z', 20))) {
    my ($enc, @setup) = @$e;
    add("ZRANK ZREVRANK ($enc)", @setup,
        (map { (['ZRANK', 'z', "m$_"], ['ZREVRANK', 'z', "m$_"]) } 1, 2, 10,
             19, 20), ['ZRANK', 'z', 'x'], ['ZREVRANK', 'z', 'x']);
}
add('ZRANK in a skiplist of 1000', zfill('z', 1000),
    (map { (['ZRANK', 'z', "m$_"], ['ZREVRANK', 'z', "m$_"]) }
         1, 2, 100, 500, 999, 1000),
    ['ZINCRBY', 'z', 10000, 'm1'], ['ZRANK', 'z', 'm1'], ['ZRANK', 'z', 'm2']);
seq([qw(ZRANK nosuch a)], [qw(ZREVRANK nosuch a)], [qw(ZRANK z)],
    [qw(ZRANK z a b)]);
add('ZRANK with equal scores (by member)',
    ['ZADD', 'z', map { (1, $_) } qw(d b a c e)],
    (map { ['ZRANK', 'z', $_] } qw(a b c d e)));

# ---------------------------------------------------------------- ZCOUNT, ZLEXCOUNT

my @score_ranges = (['-inf', '+inf'], [1, 3], ['(1', 3], [1, '(3'],
                    ['(1', '(3'], [3, 1], [2, 2], ['(2', 2], [2, '(2'],
                    ['(2', '(2'], ['-inf', 0], [0, 'inf'], ['(-inf', '(inf'],
                    ['inf', '-inf'], [5, 100], ['-100', '-5'], ['1.5', '2.5'],
                    ['(1.5', '(2'], ['0x1', '0x3'], [' 1', ' 3'],
                    ['', ''], ['(', 3], ['-INF', '+Inf'], ['1e0', '3e0'],
                    ['abc', 1], [1, 'abc'], ['((1', 2], ['1 ', 2],
                    ['nan', 1], ['(nan', 1], [1, "2\0x"], ["[1", 2], ['1)', 2]);
my @lex_ranges = (['-', '+'], ['[a', '[c'], ['(a', '[c'], ['[a', '(c'],
                  ['(a', '(c'], ['[c', '[a'], ['[b', '[b'], ['(b', '[b'],
                  ['[b', '(b'], ['-', '[b'], ['[b', '+'], ['+', '-'],
                  ['-', '-'], ['+', '+'], ['(', '+'], ['[', '+'],
                  ['[', '('], ['-', '(a'], ['[aa', '[bb'], ['(a', '+'],
                  ['a', 'c'], ['[a', 'c'], ['-a', '+'], ['-', '+b'],
                  ['', '+'], ["+\0", '-'], ["-\0x", '+'], ['[a', "[c\0"]);
for my $e (encodings([qw(ZADD z 1 a 2 b 3 c 4 d 4 e)])) {
    my ($enc, @setup) = @$e;
    add("ZCOUNT ranges ($enc)", @setup,
        map { ['ZCOUNT', 'z', @$_] } @score_ranges);
}
for my $e (encodings([qw(ZADD z 0 a 0 aa 0 b 0 bb 0 c 0 cc), 0, "c\0"])) {
    my ($enc, @setup) = @$e;
    add("ZLEXCOUNT ranges ($enc)", @setup,
        map { ['ZLEXCOUNT', 'z', @$_] } @lex_ranges);
}
seq([qw(ZCOUNT nosuch 0 1)], [qw(ZCOUNT nosuch a b)], [qw(ZLEXCOUNT nosuch - +)],
    [qw(ZLEXCOUNT nosuch a b)], [qw(ZCOUNT z 1)], [qw(ZLEXCOUNT z -)]);
add('ZCOUNT in a skiplist of 1000', zfill('z', 1000),
    ['ZCOUNT', 'z', 100, 200], ['ZCOUNT', 'z', '(100', '(200'],
    ['ZCOUNT', 'z', '-inf', '+inf'], ['ZCOUNT', 'z', 1000, 1000],
    ['ZCOUNT', 'z', 1001, 2000]);

# ---------------------------------------------------------------- ZRANGE by rank

my @rank_ranges = ([0, -1], [0, 0], [1, 2], [-2, -1], [-1, -1], [2, 1],
                   [-100, 100], [0, 100], [100, 200], [-100, -50], [3, 3],
                   [4, 10], [5, -1], [-6, 0], [$LMIN, $LMAX], [$LMAX, $LMIN],
                   [0, $LMIN], ['-0', '1'], ['a', 1], [0, 'b'], ['1.5', 2],
                   [' 1', 2], ['', 1], ['9223372036854775808', 1]);
for my $e (encodings([qw(ZADD z 1 a 2 b 3 c 4 d 5 e)])) {
    my ($enc, @setup) = @$e;
    add("ZRANGE ranks ($enc)", @setup,
        map { ['ZRANGE', 'z', @$_] } @rank_ranges);
    add("ZRANGE ranks WITHSCORES ($enc)", @setup,
        map { ['ZRANGE', 'z', @$_, 'WITHSCORES'] } @rank_ranges);
    add("ZRANGE ranks REV ($enc)", @setup,
        map { ['ZRANGE', 'z', @$_, 'REV', 'WITHSCORES'] } @rank_ranges);
    add("ZREVRANGE ranks ($enc)", @setup,
        map { ['ZREVRANGE', 'z', @$_, 'WITHSCORES'] } @rank_ranges);
}
add('ZRANGE ranks in a skiplist of 500', zfill('z', 500),
    ['ZRANGE', 'z', 0, 9], ['ZRANGE', 'z', 100, 110, 'WITHSCORES'],
    ['ZRANGE', 'z', -10, -1], ['ZREVRANGE', 'z', 0, 4],
    ['ZREVRANGE', 'z', 250, 255, 'WITHSCORES'], ['ZRANGE', 'z', 498, 1000],
    ['ZRANGE', 'z', 0, -1]);

# ---------------------------------------------------------------- ZRANGE by score and lex

my @limits = ([], [qw(LIMIT 0 1)], [qw(LIMIT 1 2)], [qw(LIMIT 0 -1)],
              [qw(LIMIT 2 -1)], [qw(LIMIT 0 0)], [qw(LIMIT -1 2)],
              [qw(LIMIT 4 100)], [qw(LIMIT 5 1)], [qw(LIMIT 100 1)],
              [qw(LIMIT 1 -5)], ['LIMIT', $LMAX, $LMAX], ['LIMIT', 1, $LMIN],
              ['LIMIT', $LMIN, 1], [qw(LIMIT a 1)], [qw(LIMIT 1 b)],
              [qw(LIMIT 1)], ['LIMIT'], [qw(limit 1 1)]);
for my $e (encodings([qw(ZADD z 1 a 2 b 3 c 4 d 4 e 5 f)])) {
    my ($enc, @setup) = @$e;
    add("ZRANGEBYSCORE ranges ($enc)", @setup,
        map { ['ZRANGEBYSCORE', 'z', @$_, 'WITHSCORES'] } @score_ranges);
    add("ZREVRANGEBYSCORE ranges ($enc)", @setup,
        map { ['ZREVRANGEBYSCORE', 'z', reverse(@$_), 'WITHSCORES'] }
            @score_ranges);
    add("ZRANGE BYSCORE ranges ($enc)", @setup,
        map { ['ZRANGE', 'z', @$_, 'BYSCORE'] } @score_ranges);
    add("ZRANGE BYSCORE REV ranges ($enc)", @setup,
        map { ['ZRANGE', 'z', reverse(@$_), 'BYSCORE', 'REV'] }
            @score_ranges);
    for my $l (@limits) {
        add("ZRANGEBYSCORE -inf +inf @$l ($enc)", @setup,
            ['ZRANGEBYSCORE', 'z', '-inf', '+inf', @$l],
            ['ZRANGEBYSCORE', 'z', '(1', 4, 'WITHSCORES', @$l],
            ['ZREVRANGEBYSCORE', 'z', '+inf', '-inf', @$l, 'WITHSCORES'],
            ['ZREVRANGEBYSCORE', 'z', 4, '(1', @$l],
            ['ZRANGE', 'z', 2, 5, 'BYSCORE', @$l],
            ['ZRANGE', 'z', 5, 2, 'BYSCORE', 'REV', @$l]);
    }
}
for my $e (encodings([qw(ZADD z 0 a 0 aa 0 b 0 bb 0 c 0 cc 0 d), 0, "c\0"])) {
    my ($enc, @setup) = @$e;
    add("ZRANGEBYLEX ranges ($enc)", @setup,
        map { ['ZRANGEBYLEX', 'z', @$_] } @lex_ranges);
    add("ZREVRANGEBYLEX ranges ($enc)", @setup,
        map { ['ZREVRANGEBYLEX', 'z', reverse(@$_)] } @lex_ranges);
    add("ZRANGE BYLEX [REV] ranges ($enc)", @setup,
        (map { ['ZRANGE', 'z', @$_, 'BYLEX'] } @lex_ranges),
        (map { ['ZRANGE', 'z', reverse(@$_), 'BYLEX', 'REV'] } @lex_ranges));
    for my $l (@limits) {
        add("ZRANGEBYLEX - + @$l ($enc)", @setup,
            ['ZRANGEBYLEX', 'z', '-', '+', @$l],
            ['ZRANGEBYLEX', 'z', '(a', '[c', @$l],
            ['ZREVRANGEBYLEX', 'z', '+', '-', @$l],
            ['ZREVRANGEBYLEX', 'z', '[c', '(a', @$l],
            ['ZRANGE', 'z', '[b', '+', 'BYLEX', @$l],
            ['ZRANGE', 'z', '+', '[b', 'BYLEX', 'REV', @$l]);
    }
}
add('ZRANGEBYSCORE in a skiplist of 1000 with equal scores',
    zfill('z', 1000, sub ($i) { int($i / 10) }),
    ['ZRANGEBYSCORE', 'z', 10, 11, 'WITHSCORES'],
    ['ZRANGEBYSCORE', 'z', '(10', 12, 'LIMIT', 3, 5],
    ['ZREVRANGEBYSCORE', 'z', 50, '(48', 'LIMIT', 2, 4, 'WITHSCORES'],
    ['ZRANGE', 'z', 99, '+inf', 'BYSCORE'], ['ZCOUNT', 'z', 10, 20]);
add('ZRANGEBYLEX in a skiplist of 300',
    ['ZADD', 'z', map { (0, sprintf('k%03d', $_)) } 1 .. 300],
    ['ZRANGEBYLEX', 'z', '[k100', '(k110'],
    ['ZREVRANGEBYLEX', 'z', '[k200', '(k190', 'LIMIT', 1, 3],
    ['ZRANGEBYLEX', 'z', '-', '[k005'], ['ZLEXCOUNT', 'z', '(k1', '[k2'],
    ['ZRANGE', 'z', '+', '(k295', 'BYLEX', 'REV']);

# Options: conflicts, repeats, errors, their order.
for my $opts ([qw(WITHSCORES)], [qw(REV)], [qw(BYSCORE)], [qw(BYLEX)],
              [qw(REV REV)], [qw(BYSCORE BYSCORE)], [qw(BYSCORE BYLEX)],
              [qw(BYLEX WITHSCORES)], [qw(LIMIT 0 1)], [qw(BYSCORE LIMIT 0 1)],
              [qw(WITHSCORES WITHSCORES)], [qw(REV BYSCORE WITHSCORES)],
              [qw(FOO)], [qw(LIMIT 0 1 BYSCORE)], [qw(LIMIT x y)],
              [qw(BYLEX LIMIT x y)], [qw(LIMIT 0)], [qw(withscores rev)],
              [qw(BYSCORE LIMIT 1 1 LIMIT 0 2)], [qw(LIMIT 0 -1)]) {
    add("ZRANGE z options @$opts", [qw(ZADD z 1 a 2 b 3 c)],
        ['ZRANGE', 'z', 0, 2, @$opts], ['ZRANGE', 'z', '(0', '[c', @$opts],
        ['ZRANGE', 'z', 'a', 'b', @$opts], ['ZRANGE', 'nosuch', 0, 2, @$opts],
        ['ZRANGEBYSCORE', 'z', 0, 2, @$opts],
        ['ZREVRANGEBYSCORE', 'z', 2, 0, @$opts],
        ['ZRANGEBYLEX', 'z', '-', '+', @$opts], ['ZREVRANGE', 'z', 0, 2, @$opts],
        ['ZRANGESTORE', 'd', 'z', 0, 2, @$opts], ['ZRANGE', 'd', 0, -1]);
}
seq([qw(ZRANGE z 0)], [qw(ZRANGE z)], [qw(ZRANGEBYSCORE z 0)],
    [qw(ZREVRANGE z 0)], [qw(ZRANGEBYLEX z -)], [qw(ZRANGESTORE d z 0)]);
seq([qw(ZRANGE nosuch 0 -1)], [qw(ZRANGE nosuch a b)],
    [qw(ZRANGEBYSCORE nosuch a b)], [qw(ZRANGEBYLEX nosuch a b)],
    [qw(ZRANGE nosuch 0 -1 LIMIT 0 1)]);

# ---------------------------------------------------------------- ZRANGESTORE

for my $e (encodings(zfill('z', 10))) {
    my ($enc, @setup) = @$e;
    for my $args ([0, -1], [2, 4], [5, 1], [-3, -1], [0, 0, 'REV'],
                  [3, 6, 'BYSCORE'], ['(3', 6, 'BYSCORE', 'LIMIT', 1, 2],
                  [6, 3, 'BYSCORE', 'REV'], [100, 200, 'BYSCORE'],
                  ['-', '+', 'BYLEX'], ['[m2', '(m5', 'BYLEX'],
                  ['+', '-', 'BYLEX', 'REV', 'LIMIT', 0, 3],
                  [0, -1, 'WITHSCORES'], ['a', 'b']) {
        add("ZRANGESTORE d z @$args ($enc)", @setup, ['SET', 'd', 'old'],
            ['EXPIRE', 'd', 100], ['ZRANGESTORE', 'd', 'z', @$args],
            ['ZRANGE', 'd', 0, -1, 'WITHSCORES'], ['TTL', 'd'], ['TYPE', 'd'],
            ['OBJECT', 'ENCODING', 'd']);
    }
}
add('ZRANGESTORE encodings of the result', zfill('z', 300),
    ['ZRANGESTORE', 'a', 'z', 0, 9], ['OBJECT', 'ENCODING', 'a'],
    ['ZRANGESTORE', 'b', 'z', 0, 127], ['OBJECT', 'ENCODING', 'b'],
    ['ZRANGESTORE', 'c', 'z', 0, 128], ['OBJECT', 'ENCODING', 'c'],
    ['ZRANGESTORE', 'd', 'z', 0, 200, 'BYSCORE'], ['OBJECT', 'ENCODING', 'd'],
    ['ZRANGESTORE', 'e', 'z', 0, 128, 'BYSCORE'], ['OBJECT', 'ENCODING', 'e'],
    ['ZRANGESTORE', 'f', 'z', 0, 100, 'BYSCORE'], ['OBJECT', 'ENCODING', 'f'],
    ['ZCARD', 'c'], ['ZCARD', 'd']);
add('ZRANGESTORE of long members', ['ZADD', 'z', 1, 'a', 2, $LONG],
    ['ZRANGESTORE', 'a', 'z', 0, 0], ['OBJECT', 'ENCODING', 'a'],
    ['ZRANGESTORE', 'b', 'z', 0, -1], ['OBJECT', 'ENCODING', 'b'],
    ['ZRANGESTORE', 'c', 'z', 1, 2, 'BYSCORE'], ['OBJECT', 'ENCODING', 'c']);
add('ZRANGESTORE onto its source', zfill('z', 10),
    ['ZRANGESTORE', 'z', 'z', 2, 4], ['ZRANGE', 'z', 0, -1, 'WITHSCORES'],
    ['ZRANGESTORE', 'z', 'z', 10, 20], ['EXISTS', 'z']);
seq([qw(ZADD d 1 a)], [qw(ZRANGESTORE d nosuch 0 -1)], [qw(EXISTS d)]);
seq([qw(SET s x)], [qw(ZADD d 1 a)], [qw(ZRANGESTORE d s 0 -1)],
    [qw(ZRANGE d 0 -1)]);

# ---------------------------------------------------------------- ZREMRANGEBY*

for my $e (encodings(zfill('z', 10))) {
    my ($enc, @setup) = @$e;
    for my $r ([0, 0], [0, 2], [-3, -1], [5, 1], [-100, 100], [8, 100],
               [100, 200], [$LMIN, $LMAX], [1, 'x'], ['y', 1], [3, 3]) {
        add("ZREMRANGEBYRANK z @$r ($enc)", @setup,
            ['ZREMRANGEBYRANK', 'z', @$r], ['ZRANGE', 'z', 0, -1, 'WITHSCORES'],
            ['EXISTS', 'z'], ['OBJECT', 'ENCODING', 'z']);
    }
    for my $r (@score_ranges) {
        add("ZREMRANGEBYSCORE z @$r ($enc)", @setup,
            ['ZREMRANGEBYSCORE', 'z', @$r], ['ZRANGE', 'z', 0, -1],
            ['EXISTS', 'z']);
    }
}
for my $e (encodings([qw(ZADD z 0 a 0 aa 0 b 0 bb 0 c 0 cc)])) {
    my ($enc, @setup) = @$e;
    for my $r (@lex_ranges) {
        add("ZREMRANGEBYLEX z @$r ($enc)", @setup,
            ['ZREMRANGEBYLEX', 'z', @$r], ['ZRANGE', 'z', 0, -1],
            ['EXISTS', 'z']);
    }
}
add('ZREMRANGEBY* in a skiplist of 1000', zfill('z', 1000),
    ['ZREMRANGEBYRANK', 'z', 0, 99], ['ZREMRANGEBYSCORE', 'z', 500, '(600'],
    ['ZREMRANGEBYRANK', 'z', -10, -1], ['ZCARD', 'z'], ['ZRANK', 'z', 'm700'],
    ['ZRANGE', 'z', 0, 4], ['ZRANGE', 'z', -3, -1],
    ['OBJECT', 'ENCODING', 'z'], ['ZREMRANGEBYSCORE', 'z', '-inf', '+inf'],
    ['EXISTS', 'z']);
seq([qw(ZREMRANGEBYRANK nosuch 0 -1)], [qw(ZREMRANGEBYSCORE nosuch 0 1)],
    [qw(ZREMRANGEBYLEX nosuch - +)], [qw(ZREMRANGEBYSCORE nosuch a b)],
    [qw(ZREMRANGEBYLEX nosuch a b)], [qw(ZREMRANGEBYRANK nosuch a b)],
    [qw(ZREMRANGEBYRANK z 0)]);

# ---------------------------------------------------------------- ZPOPMIN, ZPOPMAX, ZMPOP

for my $e (encodings([qw(ZADD z 1 a 2 b 3 c 4 d)])) {
    my ($enc, @setup) = @$e;
    for my $pop (qw(ZPOPMIN ZPOPMAX)) {
        add("$pop ($enc)", @setup, [$pop, 'z'], [$pop, 'z', 2], [$pop, 'z', 0],
            [$pop, 'z', 10], [$pop, 'z'], ['EXISTS', 'z'], [$pop, 'z', 5]);
        add("$pop errors ($enc)", @setup, [$pop, 'z', -1], [$pop, 'z', 'a'],
            [$pop, 'z', 1, 2], [$pop, 'z', '1.5'], [$pop, 'z', $LMAX],
            [$pop, 'nosuch', -1], [$pop, 'nosuch', 0], [$pop, 'nosuch'],
            ['ZCARD', 'z']);
    }
    for my $args ([qw(1 z MIN)], [qw(1 z MAX)], [qw(1 z MIN COUNT 2)],
                  [qw(1 z max count 10)], [qw(2 nosuch z MIN)],
                  [qw(2 z nosuch MAX COUNT 3)], [qw(1 nosuch MIN)],
                  [qw(0 z MIN)], [qw(-1 z MIN)], [qw(x z MIN)], [qw(1 z)],
                  [qw(1 z FOO)], [qw(2 z MIN)], [qw(1 z MIN COUNT)],
                  [qw(1 z MIN COUNT 0)], [qw(1 z MIN COUNT -1)],
                  [qw(1 z MIN COUNT x)], [qw(1 z MIN COUNT 1 COUNT 1)],
                  [qw(1 z MIN FOO 1)], [qw(3 z z z MAX COUNT 1)],
                  ['1', 'z', 'MIN', 'COUNT', $LMAX], [qw(5 z MIN)],
                  ['9223372036854775807', 'z', 'MIN']) {
        add("ZMPOP @$args ($enc)", @setup, ['ZMPOP', @$args],
            ['ZRANGE', 'z', 0, -1, 'WITHSCORES'], ['EXISTS', 'z']);
    }
}
add('ZPOPMIN over a skiplist of 300', zfill('z', 300),
    ['ZPOPMIN', 'z', 5], ['ZPOPMAX', 'z', 5], ['ZMPOP', 1, 'z', 'MIN', 'COUNT', 3],
    ['ZCARD', 'z'], ['ZRANGE', 'z', 0, 2], ['OBJECT', 'ENCODING', 'z'],
    ['ZPOPMIN', 'z', 1000], ['EXISTS', 'z']);
add('ZMPOP takes the first non-empty key', [qw(ZADD b 1 x 2 y)],
    [qw(SET s str)], [qw(ZMPOP 3 a b c MIN)], [qw(ZMPOP 3 a b s MAX COUNT 5)],
    [qw(ZMPOP 3 a s b MIN)], [qw(ZMPOP 2 a c MIN)], [qw(EXISTS b)]);

# ---------------------------------------------------------------- ZRANDMEMBER

my %zsmall = map { ("m$_" => $_) } 1 .. 5;
my %zbig = map { ("m$_" => $_) } 1 .. 200;

sub zrand_check ($h, $count, $withscores) {
    return sub ($k, $r) {
        my $a = parse($k);
        return 0 unless ref $a eq 'ARRAY';
        my $n = keys %$h;
        my $want = $count < 0 ? -$count : ($count > $n ? $n : $count);
        return 0 unless @$a == $want * ($withscores ? 2 : 1);
        my %seen;
        for (my $i = 0; $i < @$a; $i += $withscores ? 2 : 1) {
            my $m = $a->[$i];
            return 0 unless exists $h->{$m};
            return 0 if $withscores && $a->[$i + 1] ne $h->{$m};
            return 0 if $count > 0 && $seen{$m}++;
        }
        return 1;
    };
}
sub zrandmember ($key, $h, $count, $ws = 0) {
    return { cmd => ['ZRANDMEMBER', $key, $count, $ws ? 'WITHSCORES' : ()],
             check => zrand_check($h, $count, $ws) };
}
for my $count (1, 2, 4, -1, -3, -5, -20) {
    for my $ws (0, 1) {
        add("ZRANDMEMBER small $count" . ($ws ? ' WITHSCORES' : ''),
            zfill('z', 5), zrandmember('z', \%zsmall, $count, $ws));
        add("ZRANDMEMBER big $count" . ($ws ? ' WITHSCORES' : ''),
            zfill('z', 200), zrandmember('z', \%zbig, $count, $ws));
    }
}
for my $count (100, 150, 199) {
    add("ZRANDMEMBER big $count WITHSCORES", zfill('z', 200),
        zrandmember('z', \%zbig, $count, 1));
}
for my $e (encodings(zfill('z', 5))) {
    my ($enc, @setup) = @$e;
    add("ZRANDMEMBER count >= size, in order ($enc)", @setup,
        [qw(ZRANDMEMBER z 5)], [qw(ZRANDMEMBER z 6 WITHSCORES)],
        [qw(ZRANDMEMBER z 9223372036854775807)]);
}
add('ZRANDMEMBER count >= size of a skiplist of 200', zfill('z', 200),
    [qw(ZRANDMEMBER z 200 WITHSCORES)], [qw(ZRANDMEMBER z 1000)]);
add('ZRANDMEMBER of one member', [qw(ZADD z 1 a)], [qw(ZRANDMEMBER z)],
    [qw(ZRANDMEMBER z 1)], [qw(ZRANDMEMBER z -3 WITHSCORES)],
    [qw(ZRANDMEMBER z 2 withscores)]);
add('ZRANDMEMBER without count', zfill('z', 5),
    { cmd => [qw(ZRANDMEMBER z)],
      check => sub ($k, $r) { my $m = parse($k); defined $m && !ref $m
                                  && exists $zsmall{$m} } },
    [qw(ZRANDMEMBER nosuch)]);
seq([qw(ZRANDMEMBER nosuch 5)], [qw(ZRANDMEMBER nosuch -5 WITHSCORES)],
    [qw(ZRANDMEMBER nosuch 0)], [qw(ZRANDMEMBER nosuch abc)]);
seq([qw(ZADD z 1 a)], [qw(ZRANDMEMBER z 0)], [qw(ZRANDMEMBER z 0 WITHSCORES)],
    [qw(ZRANDMEMBER z abc)], [qw(ZRANDMEMBER z 1.5)],
    [qw(ZRANDMEMBER z 1 foo)], [qw(ZRANDMEMBER z 1 WITHSCORES x)],
    [qw(ZRANDMEMBER z 1 WITHSCORE)], ['ZRANDMEMBER', 'z', $LMIN],
    ['ZRANDMEMBER', 'z', '-9223372036854775807', 'WITHSCORES'],
    ['ZRANDMEMBER', 'z', '4611686018427387904', 'WITHSCORES'],
    ['ZRANDMEMBER', 'z', '-4611686018427387904', 'WITHSCORES'],
    ['ZRANDMEMBER', 'z', '4611686018427387903', 'WITHSCORES'],
    ['ZRANDMEMBER']);

# ---------------------------------------------------------------- ZUNION, ZINTER, ZDIFF

my @zops = (['ZADD', 'a', 1, 'x', 2, 'y', 3, 'z'],
            ['ZADD', 'b', 10, 'y', 20, 'z', 30, 'w'],
            ['ZADD', 'c', 100, 'z', 200, 'v']);
for my $op (qw(ZUNION ZINTER ZDIFF)) {
    for my $args ([1, 'a'], [2, 'a', 'b'], [3, 'a', 'b', 'c'],
                  [3, 'c', 'b', 'a'], [2, 'a', 'nosuch'], [2, 'nosuch', 'a'],
                  [2, 'a', 'a'], [3, 'a', 'b', 'a'], [1, 'nosuch'],
                  [2, 'a', 'b', 'WEIGHTS', 2, 3],
                  [2, 'a', 'b', 'WEIGHTS', 1, -1],
                  [2, 'a', 'b', 'WEIGHTS', 0, 0],
                  [2, 'a', 'b', 'WEIGHTS', 'inf', 1],
                  [2, 'a', 'b', 'WEIGHTS', '0.1', '0.2'],
                  [2, 'a', 'b', 'AGGREGATE', 'MIN'],
                  [2, 'a', 'b', 'AGGREGATE', 'max'],
                  [2, 'a', 'b', 'AGGREGATE', 'SUM'],
                  [2, 'a', 'b', 'WEIGHTS', 2, 3, 'AGGREGATE', 'MAX'],
                  [2, 'a', 'b', 'AGGREGATE', 'MIN', 'WEIGHTS', -1, -1],
                  [2, 'a', 'b', 'AGGREGATE', 'MIN', 'AGGREGATE', 'MAX'],
                  [2, 'a', 'b', 'WEIGHTS', 1], [2, 'a', 'b', 'WEIGHTS', 1, 'x'],
                  [2, 'a', 'b', 'WEIGHTS', 1, 2, 3],
                  [2, 'a', 'b', 'AGGREGATE'], [2, 'a', 'b', 'AGGREGATE', 'AVG'],
                  [2, 'a', 'b', 'FOO'], [0, 'a'], [-1, 'a'], [3, 'a', 'b'],
                  ['x', 'a'], ['', 'a'], [2, 'a', 'b', 'WEIGHTS', 'nan', 1],
                  [2, 'a', 'b', 'LIMIT', 1], [1, 'a', 'WITHSCORES', 'WITHSCORES']) {
        add("$op @$args", @zops, [$op, @$args],
            [$op, @$args, 'WITHSCORES']);
        add("${op}STORE d @$args", @zops, ['SET', 'd', 'old'],
            ["${op}STORE", 'd', @$args], ['ZRANGE', 'd', 0, -1, 'WITHSCORES'],
            ['TYPE', 'd'], ['OBJECT', 'ENCODING', 'd']);
    }
    add("$op over a wrong type", @zops, ['SET', 's', 'x'],
        [$op, 2, 'a', 's'], [$op, 2, 's', 'nosuch'],
        ["${op}STORE", 'd', 2, 'a', 's'], ["${op}STORE", 's', 1, 'a'],
        ['TYPE', 's'], ['EXISTS', 'd']);
    add("${op}STORE onto a source", @zops, ["${op}STORE", 'a', 2, 'a', 'b'],
        ['ZRANGE', 'a', 0, -1, 'WITHSCORES']);
    add("${op}STORE of nothing deletes the destination", @zops,
        ['ZADD', 'd', 1, 'q'], ["${op}STORE", 'd', 1, 'nosuch'],
        ['EXISTS', 'd'], ["${op}STORE", 'd', 1, 'nosuch']);
}
seq([qw(ZUNIONSTORE d 1 a WITHSCORES)], [qw(ZUNION 1 a LIMIT 1)],
    [qw(ZUNIONSTORE d)], [qw(ZUNION 1)], [qw(ZDIFFSTORE d 1)]);

# Scores in the aggregates: infinities, NaN from inf * 0, float sums.
add('ZUNION inf + -inf is 0', [qw(ZADD a inf x -inf y 1 z)],
    [qw(ZADD b -inf x inf y inf z)], [qw(ZUNION 2 a b WITHSCORES)],
    [qw(ZINTER 2 a b WITHSCORES)], [qw(ZUNION 2 a b WEIGHTS 0 1 WITHSCORES)],
    [qw(ZINTER 2 a b WEIGHTS 0 0 WITHSCORES)],
    [qw(ZINTER 2 a b WEIGHTS 1 0 AGGREGATE MIN WITHSCORES)],
    [qw(ZINTER 2 a b WEIGHTS 0 1 AGGREGATE MAX WITHSCORES)],
    [qw(ZUNION 2 a b AGGREGATE MIN WITHSCORES)]);
add('ZUNION float sums in set order', [qw(ZADD a 0.1 x)], [qw(ZADD b 0.2 x)],
    [qw(ZADD c 0.3 x 1 y)], [qw(ZUNION 3 a b c WITHSCORES)],
    [qw(ZUNION 3 c b a WITHSCORES)], [qw(ZUNION 3 b c a WITHSCORES)],
    [qw(ZINTER 3 a b c WITHSCORES)], [qw(ZINTER 3 c a b WITHSCORES)],
    [qw(ZUNION 3 a b c WEIGHTS 3 2 1 WITHSCORES)]);
add('ZUNION equal cardinalities keep their order', [qw(ZADD a 1e16 x)],
    [qw(ZADD b 1 x)], [qw(ZADD c -1e16 x)], [qw(ZUNION 3 a b c WITHSCORES)],
    [qw(ZUNION 3 c b a WITHSCORES)], [qw(ZUNION 3 b a c WITHSCORES)],
    [qw(ZINTER 3 a b c WITHSCORES)], [qw(ZINTER 3 a c b WITHSCORES)]);

# Encodings of the stored results.
add('ZUNIONSTORE result encodings', zfill('big', 200), zfill('sm', 5),
    ['ZADD', 'lng', 1, $LONG, 2, 'a'],
    [qw(ZUNIONSTORE d1 1 sm)], [qw(OBJECT ENCODING d1)],
    [qw(ZUNIONSTORE d2 1 big)], [qw(OBJECT ENCODING d2)],
    [qw(ZUNIONSTORE d3 2 sm big)], [qw(OBJECT ENCODING d3)],
    [qw(ZINTERSTORE d4 2 sm big)], [qw(OBJECT ENCODING d4)],
    [qw(ZUNIONSTORE d5 1 lng)], [qw(OBJECT ENCODING d5)],
    [qw(ZINTERSTORE d6 2 lng lng)], [qw(OBJECT ENCODING d6)],
    [qw(ZDIFFSTORE d7 2 big sm)], [qw(OBJECT ENCODING d7)], [qw(ZCARD d7)],
    [qw(ZDIFFSTORE d8 2 lng sm)], [qw(OBJECT ENCODING d8)],
    ['ZADD', 'sm2', 1, $LONG], [qw(ZDIFFSTORE d9 2 lng sm2)],
    [qw(OBJECT ENCODING d9)], [qw(ZRANGE d9 0 -1)],
    ['ZREMRANGEBYRANK', 'big', 0, 71], [qw(OBJECT ENCODING big)],
    [qw(ZUNIONSTORE d10 1 big)], [qw(OBJECT ENCODING d10)], [qw(ZCARD d10)],
    [qw(ZINTERSTORE d11 1 big)], [qw(OBJECT ENCODING d11)]);
add('ZINTERSTORE result of 128 and 129', zfill('a', 129), zfill('b', 128),
    [qw(ZINTERSTORE d 2 a b)], [qw(OBJECT ENCODING d)],
    [qw(ZUNIONSTORE e 2 a b)], [qw(OBJECT ENCODING e)]);
add('ZUNION of skiplists with -0 scores', ['ZADD', 'a', 0, $LONG, '-0', 'x'],
    ['ZUNION', 1, 'a', 'WITHSCORES'], ['ZUNIONSTORE', 'd', 1, 'a'],
    ['ZREM', 'a', $LONG], ['ZUNIONSTORE', 'd', 1, 'a'],
    ['ZRANGE', 'd', 0, -1, 'WITHSCORES'], ['ZSCORE', 'a', 'x']);

# Sets as inputs: every member with score 1 (intset and hashtable sets).
my @with_sets = (['ZADD', 'z', 1, 'x', 2, '5', 3, 'y', 4, '10'],
                 [qw(SADD is 5 10 15)], [qw(SADD hs x y w 5)],
                 ['SADD', 'big', 1 .. 200], ['SADD', 'lng', 'a', $LONG]);
for my $op (qw(ZUNION ZINTER ZDIFF)) {
    for my $args ([2, 'z', 'is'], [2, 'is', 'z'], [2, 'z', 'hs'],
                  [2, 'hs', 'z'], [3, 'is', 'hs', 'z'], [1, 'is'], [1, 'hs'],
                  [2, 'is', 'is'], [2, 'big', 'is'], [2, 'z', 'lng'],
                  [2, 'lng', 'hs'], [2, 'z', 'is', 'WEIGHTS', 2, 3],
                  [2, 'is', 'z', 'AGGREGATE', 'MAX'],
                  [2, 'hs', 'z', 'WEIGHTS', '0.5', 1, 'AGGREGATE', 'MIN']) {
        next if $op eq 'ZDIFF' && grep { /WEIGHTS|AGGREGATE/ } @$args;
        add("$op @$args (sets)", @with_sets, [$op, @$args, 'WITHSCORES'],
            ["${op}STORE", 'd', @$args], ['ZRANGE', 'd', 0, -1, 'WITHSCORES'],
            ['OBJECT', 'ENCODING', 'd']);
    }
}
add('ZINTERCARD with sets', @with_sets, [qw(ZINTERCARD 2 z is)],
    [qw(ZINTERCARD 3 hs z is)], [qw(ZINTERCARD 2 big is LIMIT 2)],
    [qw(ZINTERCARD 1 big)]);
add('ZUNIONSTORE of a 200-member set', @with_sets,
    [qw(ZUNIONSTORE d 1 big)], [qw(OBJECT ENCODING d)], [qw(ZCARD d)],
    [qw(ZRANGE d 0 4 WITHSCORES)]);
add('sets are not sorted sets elsewhere', @with_sets, [qw(ZRANGE is 0 -1)],
    [qw(ZCARD hs)], [qw(ZRANGESTORE d is 0 -1)], [qw(ZMPOP 1 is MIN)],
    [qw(ZADD is 1 a)], [qw(SCARD is)]);
my ($sa, $sb) = spread('zs', 2);
add('ZUNIONSTORE of a set and a sorted set on different shards',
    ['SADD', $sa, qw(a b c 1 2)], ['ZADD', $sb, 5, 'a', 6, 'q'],
    ['ZUNIONSTORE', $sb, 2, $sa, $sb], ['ZRANGE', $sb, 0, -1, 'WITHSCORES'],
    ['ZINTER', 2, $sb, $sa, 'WITHSCORES'], ['ZDIFF', 2, $sa, $sb],
    ['TYPE', $sa]);

# ZINTERCARD
for my $args ([1, 'a'], [2, 'a', 'b'], [3, 'a', 'b', 'c'], [2, 'a', 'nosuch'],
              [2, 'a', 'a'], [2, 'a', 'b', 'LIMIT', 0],
              [2, 'a', 'b', 'LIMIT', 1], [1, 'a', 'LIMIT', 2],
              [1, 'a', 'LIMIT', 100], [1, 'a', 'LIMIT', -1],
              [1, 'a', 'LIMIT', 'x'], [1, 'a', 'LIMIT'], [1, 'a', 'WITHSCORES'],
              [1, 'a', 'WEIGHTS', 1], [1, 'a', 'AGGREGATE', 'SUM'],
              [0, 'a'], [-1, 'a'], [2, 'a'], ['x', 'a'],
              [1, 'a', 'LIMIT', 1, 'LIMIT', 2]) {
    add("ZINTERCARD @$args", @zops, ['ZINTERCARD', @$args]);
}
seq([qw(SET s x)], [qw(ZINTERCARD 1 s)], [qw(ZINTERCARD 2 nosuch s)],
    [qw(ZINTERCARD)], [qw(ZINTERCARD 1)]);

# ---------------------------------------------------------------- ZSCAN

for my $e (encodings([qw(ZADD z 1 a 2.5 b -0 c inf d 0.1 e), '1e100', 'f'])) {
    my ($enc, @setup) = @$e;
    if ($enc eq 'listpack') {
        add("ZSCAN ($enc)", @setup, [qw(ZSCAN z 0)], [qw(ZSCAN z 0 COUNT 1)],
            [qw(ZSCAN z 0 MATCH a*)], [qw(ZSCAN z 0 MATCH [ab])],
            [qw(ZSCAN z 7 MATCH *)], [qw(ZSCAN z 0 match x*)]);
    } else {
        add("ZSCAN ($enc)", @setup, as_scan([qw(ZSCAN z 0 COUNT 100)]),
            as_scan([qw(ZSCAN z 0 COUNT 100 MATCH [a-c])]));
    }
}
seq([qw(ZSCAN nosuch 0)], [qw(ZSCAN nosuch 0 COUNT 0)], [qw(ZSCAN nosuch x)]);
seq([qw(ZADD z 1 a)], [qw(ZSCAN z abc)], [qw(ZSCAN z -1)], [qw(ZSCAN z 1.5)],
    [qw(ZSCAN z 0 COUNT 0)], [qw(ZSCAN z 0 COUNT -1)], [qw(ZSCAN z 0 MATCH)],
    [qw(ZSCAN z 0 TYPE zset)], [qw(ZSCAN z 0 FOO 1)], [qw(ZSCAN z)],
    ['ZSCAN', 'z', ''], ['ZSCAN', 'z', ' 1'], ['ZSCAN', 'z', '+0']);

sub zfull_scan ($conn, $key, @opts) {
    my ($cursor, %got, $calls) = (0);
    do {
        my $r = parse($conn->cmd('ZSCAN', $key, $cursor, @opts));
        return 'bad reply' unless ref $r eq 'ARRAY';
        $cursor = $r->[0];
        my @kv = @{ $r->[1] };
        while (my ($m, $s) = splice @kv, 0, 2) { $got{$m} = $s }
        return 'too many calls' if ++$calls > 10000;
    } while ($cursor ne '0');
    return join ',', map { "$_=$got{$_}" } sort keys %got;
}
for my $opts ([], [qw(COUNT 1)], [qw(COUNT 13)], [qw(MATCH m1*)]) {
    add("ZSCAN a skiplist to the end @$opts",
        zfill('z', 300, sub ($i) { $i / 7 }),
        { code => sub ($c) { zfull_scan($c, 'z', @$opts) } });
}

# ---------------------------------------------------------------- encodings

add('128 members: listpack; 129: skiplist', zfill('z', 128),
    [qw(OBJECT ENCODING z)], [qw(ZADD z 5 m1)], [qw(OBJECT ENCODING z)],
    [qw(ZADD z 1 m129)], [qw(OBJECT ENCODING z)],
    ['ZREM', 'z', map { "m$_" } 1 .. 120], [qw(OBJECT ENCODING z)],
    [qw(ZRANGE z 0 -1 WITHSCORES)]);
add('129 members in one ZADD', zfill('z', 129), [qw(OBJECT ENCODING z)]);
add('129 times the same member stays a listpack',
    ['ZADD', 'z', map { ($_, 'a') } 1 .. 129], [qw(OBJECT ENCODING z)],
    [qw(ZSCORE z a)]);
for my $len (64, 65) {
    add("a member of $len bytes", [qw(ZADD z 1 a)],
        ['ZADD', 'z', 2, 'x' x $len], [qw(OBJECT ENCODING z)],
        ['ZREM', 'z', 'x' x $len], [qw(OBJECT ENCODING z)],
        [qw(ZRANGE z 0 -1 WITHSCORES)]);
    add("a new set with a first member of $len bytes",
        ['ZADD', 'z', 1, 'x' x $len, 2, 'a'], [qw(OBJECT ENCODING z)]);
    add("a new set with a later member of $len bytes",
        ['ZADD', 'z', 1, 'a', 2, 'x' x $len], [qw(OBJECT ENCODING z)]);
    add("ZINCRBY a new member of $len bytes", [qw(ZADD z 1 a)],
        ['ZINCRBY', 'z', 1, 'y' x $len], [qw(OBJECT ENCODING z)]);
}
add('ZADD XX of a long member does not convert', [qw(ZADD z 1 a)],
    ['ZADD', 'z', 'XX', 1, $LONG], [qw(OBJECT ENCODING z)]);
add('ZADD NX GT of an existing member at 128', zfill('z', 128),
    [qw(ZADD z NX 1 m1)], [qw(ZADD z GT 1 m1)], [qw(OBJECT ENCODING z)]);
add('a skiplist: every command', zfill('z', 300),
    [qw(ZADD z 0.5 new 1000 m1)], [qw(ZINCRBY z -2000 m2)], [qw(ZREM z m3 zz)],
    [qw(ZSCORE z m1)], [qw(ZRANK z m1)], [qw(ZREVRANK z m2)],
    [qw(ZRANGE z 0 5 WITHSCORES)], [qw(ZRANGE z -5 -1)],
    [qw(ZRANGEBYSCORE z 10 20 LIMIT 2 3)], ['ZCOUNT', 'z', 10, '(20'],
    [qw(ZCARD z)], [qw(ZMSCORE z m10 x m20)], [qw(ZPOPMIN z)],
    [qw(ZPOPMAX z 2)], [qw(ZRANGE z 0 -1 WITHSCORES)]);

# ---------------------------------------------------------------- wrong types

for my $cmd (['ZADD', 's', 1, 'a'], ['ZADD', 's', 'XX', 1, 'a'],
             ['ZADD', 's', 'abc', 'a'], ['ZINCRBY', 's', 1, 'a'],
             ['ZREM', 's', 'a'], ['ZCARD', 's'], ['ZCOUNT', 's', 0, 1],
             ['ZCOUNT', 's', 'a', 'b'], ['ZLEXCOUNT', 's', '-', '+'],
             ['ZSCORE', 's', 'a'], ['ZMSCORE', 's', 'a'], ['ZRANK', 's', 'a'],
             ['ZREVRANK', 's', 'a'], ['ZRANGE', 's', 0, -1],
             ['ZRANGE', 's', 0, -1, 'FOO'], ['ZRANGE', 's', 'a', 'b'],
             ['ZRANGESTORE', 'd', 's', 0, -1], ['ZRANGESTORE', 's', 'nosuch', 0, -1],
             ['ZREVRANGE', 's', 0, -1], ['ZRANGEBYSCORE', 's', 0, 1],
             ['ZREVRANGEBYSCORE', 's', 1, 0], ['ZRANGEBYLEX', 's', '-', '+'],
             ['ZREVRANGEBYLEX', 's', '+', '-'], ['ZREMRANGEBYRANK', 's', 0, 1],
             ['ZREMRANGEBYSCORE', 's', 0, 1], ['ZREMRANGEBYLEX', 's', '-', '+'],
             ['ZPOPMIN', 's'], ['ZPOPMAX', 's', 2], ['ZPOPMIN', 's', -1],
             ['ZMPOP', 1, 's', 'MIN'], ['ZRANDMEMBER', 's'],
             ['ZRANDMEMBER', 's', 2], ['ZRANDMEMBER', 's', 'x'],
             ['ZUNION', 1, 's'], ['ZINTER', 1, 's'], ['ZDIFF', 1, 's'],
             ['ZUNIONSTORE', 'd', 1, 's'], ['ZINTERCARD', 1, 's'],
             ['ZSCAN', 's', 0], ['ZSCAN', 's', 'x']) {
    add("@$cmd on a string", [qw(SET s str)], $cmd, [qw(GET s)], [qw(TYPE s)]);
}
for my $cmd (['GET', 'z'], ['SET', 'z', 'x'], ['APPEND', 'z', 'x'],
             ['INCR', 'z'], ['STRLEN', 'z'], ['HGET', 'z', 'f'],
             ['HSET', 'z', 'f', 'v'], ['HLEN', 'z'], ['HGETALL', 'z'],
             ['HSCAN', 'z', 0], ['HRANDFIELD', 'z'], ['GETDEL', 'z']) {
    add("@$cmd on a sorted set", [qw(ZADD z 1 a)], $cmd, [qw(TYPE z)],
        [qw(ZRANGE z 0 -1 WITHSCORES)]);
}
for my $cmd (['ZADD', 'h', 1, 'a'], ['ZRANGE', 'h', 0, -1], ['ZSCORE', 'h', 'a'],
             ['ZUNIONSTORE', 'd', 2, 'z', 'h'], ['ZSCAN', 'h', 0]) {
    add("@$cmd on a hash", [qw(HSET h f v)], [qw(ZADD z 1 a)], $cmd,
        [qw(TYPE h)], [qw(EXISTS d)]);
}

# ---------------------------------------------------------------- keys, shards

my ($ka, $kb, $kc) = spread('zk', 3);

seq([qw(ZADD z 1 a)], [qw(TYPE z)], [qw(OBJECT ENCODING z)], [qw(DEL z)],
    [qw(TYPE z)], [qw(ZCARD z)]);
add('SCAN TYPE zset over all shards', (map { ['ZADD', "z$_", 1, 'a'] } 1 .. 20),
    (map { ['HSET', "h$_", 'f', 1] } 1 .. 20),
    { code => sub ($c) {
          my ($cursor, @keys) = (0);
          do {
              my $r = parse($c->cmd('SCAN', $cursor, 'TYPE', 'zset',
                                    'COUNT', 100));
              $cursor = $r->[0];
              push @keys, @{ $r->[1] };
          } while ($cursor ne '0');
          return join ',', sort @keys;
      } });
for my $n (3, 200) {
    my $enc = $n > 128 ? 'skiplist' : 'listpack';
    add("RENAME a $enc zset across shards", zfill($ka, $n, sub ($i) { $i / 3 }),
        ['RENAME', $ka, $kb], ['EXISTS', $ka], ['OBJECT', 'ENCODING', $kb],
        ['ZCARD', $kb], ['ZRANGE', $kb, 0, -1, 'WITHSCORES'],
        ['ZRANK', $kb, 'm3']);
    add("RENAME a $enc zset with a TTL over a string", zfill($ka, $n),
        ['EXPIRE', $ka, 100], ['SET', $kb, 'str'], ['RENAME', $ka, $kb],
        ['TTL', $kb], ['TYPE', $kb], ['ZCARD', $kb]);
    add("COPY a $enc zset across shards", zfill($ka, $n),
        ['COPY', $ka, $kb], ['OBJECT', 'ENCODING', $kb],
        ['ZRANGE', $kb, 0, -1, 'WITHSCORES'], ['ZADD', $kb, 100, 'm1'],
        ['ZSCORE', $ka, 'm1'], ['ZSCORE', $kb, 'm1'], ['COPY', $ka, $kb],
        ['COPY', $ka, $kb, 'REPLACE'], ['ZSCORE', $kb, 'm1'],
        ['OBJECT', 'ENCODING', $ka]);
    add("COPY a $enc zset in one shard and to another db", zfill('{t}a', $n),
        ['COPY', '{t}a', '{t}b'], ['OBJECT', 'ENCODING', '{t}b'],
        ['ZREM', '{t}a', 'm1'], ['ZCARD', '{t}a'], ['ZCARD', '{t}b'],
        ['COPY', '{t}a', '{t}a', 'DB', 2], ['SELECT', 2], ['ZCARD', '{t}a'],
        ['OBJECT', 'ENCODING', '{t}a'], ['SELECT', 0]);
}
add('-0 and inf scores survive RENAME and COPY across shards',
    ['ZADD', $ka, 0, $LONG, '-0', 'x', 'inf', 'y', '-inf', 'w', '0.1', 'v'],
    ['COPY', $ka, $kc], ['RENAME', $ka, $kb],
    ['ZRANGE', $kb, 0, -1, 'WITHSCORES'], ['ZRANGE', $kc, 0, -1, 'WITHSCORES']);
add('EXPIRE, TTL, PERSIST on a zset', [qw(ZADD z 1 a)], [qw(EXPIRE z 100)],
    [qw(TTL z)], [qw(ZADD z 2 b)], [qw(TTL z)], [qw(PERSIST z)], [qw(TTL z)],
    [qw(PEXPIRE z 1)], { sleep => 0.1 }, [qw(EXISTS z)], [qw(ZCARD z)]);
add('DEL and EXISTS of zsets across shards', zfill($ka, 3), zfill($kb, 300),
    ['EXISTS', $ka, $kb, $kc], ['DEL', $ka, $kb, $kc], ['DBSIZE']);

# The multi-key commands with their keys on different shards.
my @xs = (zfill($ka, 5), ['ZADD', $kb, 10, 'm2', 20, 'm3', 30, 'w'],
          zfill($kc, 300, sub ($i) { $i * 2 }));
for my $op (qw(ZUNION ZINTER ZDIFF)) {
    add("$op across shards", @xs, [$op, 2, $ka, $kb, 'WITHSCORES'],
        [$op, 3, $ka, $kb, $kc, 'WITHSCORES'], [$op, 2, $kc, $ka]);
    add("${op}STORE across shards", @xs,
        ["${op}STORE", $kb, 2, $ka, $kb], ['ZRANGE', $kb, 0, -1, 'WITHSCORES'],
        ['OBJECT', 'ENCODING', $kb],
        ["${op}STORE", $ka, 3, $ka, $kb, $kc], ['ZCARD', $ka],
        ['OBJECT', 'ENCODING', $ka],
        ["${op}STORE", $kc, 2, 'nosuch', $kb], ['EXISTS', $kc]);
}
add('ZUNIONSTORE dest k1 k2 on three shards', @xs,
    ['SET', $kc, 'old'], ['EXPIRE', $kc, 100],
    ['ZUNIONSTORE', $kc, 2, $ka, $kb, 'WEIGHTS', 2, 3, 'AGGREGATE', 'MAX'],
    ['ZRANGE', $kc, 0, -1, 'WITHSCORES'], ['TTL', $kc], ['TYPE', $kc],
    ['OBJECT', 'ENCODING', $kc]);
add('ZINTERCARD across shards', @xs, ['ZINTERCARD', 2, $ka, $kb],
    ['ZINTERCARD', 3, $ka, $kb, $kc, 'LIMIT', 1]);
add('ZRANGESTORE across shards', @xs, ['ZRANGESTORE', $kb, $kc, 0, 9],
    ['ZRANGE', $kb, 0, -1, 'WITHSCORES'], ['OBJECT', 'ENCODING', $kb],
    ['ZRANGESTORE', $ka, $kc, 0, 199], ['OBJECT', 'ENCODING', $ka],
    ['ZRANGESTORE', $ka, 'nosuch', 0, -1], ['EXISTS', $ka]);
add('ZMPOP across shards', @xs, ['ZMPOP', 3, 'nosuch', $kb, $ka, 'MAX', 'COUNT', 2],
    ['ZMPOP', 2, $ka, $kc, 'MIN', 'COUNT', 10], ['ZCARD', $ka],
    ['ZMPOP', 2, $ka, $kc, 'MIN'], ['ZCARD', $kc], ['EXISTS', $ka]);
add('ZUNIONSTORE with a wrong type across shards', @xs, ['SET', $kb, 'x'],
    ['ZUNIONSTORE', $kc, 2, $ka, $kb], ['ZCARD', $kc]);

# ---------------------------------------------------------------- pipelines

push @cases, [ 'pipeline: 500 ZADD / ZSCORE / ZINCRBY over many keys',
               [ map { (['ZADD', "p:$_", $_, 'a', 1, 'b'],
                        ['ZSCORE', 'p:' . ($_ * 7 % 500), 'a'],
                        ['ZINCRBY', "p:$_", '0.5', 'b'],
                        ['ZRANGE', "p:$_", 0, -1, 'WITHSCORES']) } 1 .. 500 ],
               pipeline => 1 ];

# ---------------------------------------------------------------- random model

# A seeded random sequence of sorted set commands on a few keys (on several
# shards), every reply compared, the touched key's contents checked after
# each write.
sub random_case ($seed, $steps) {
    srand($seed);
    my @keys = (spread("r${seed}_", 3), '{r}x');
    my @members = ((map { "m$_" } 1 .. 30), '', "b\0in", $LONG,
                   map { "n$_" } 1 .. 300);
    my @scores = (0, 1, -1, 2, '1.5', '0.1', '-0', 'inf', '-inf', 100, '1e20',
                  '3.25', 7, 7, 7);
    my $pick = sub ($a) { $a->[int rand @$a] };
    my $member = sub {
        return rand() < 0.8 ? "m" . (1 + int rand 30) : $pick->(\@members);
    };
    my $range = sub {
        my @r = (int(rand 10) - 5, int(rand 10) - 3);
        return @r;
    };
    my $srange = sub {
        my ($a, $b) = ($pick->(\@scores), $pick->(\@scores));
        return ((rand() < 0.3 ? '(' : '') . $a, (rand() < 0.3 ? '(' : '') . $b);
    };
    my $lrange = sub {
        my @b = ('-', '+', '[m1', '(m2', '[m3', '(n', '[m', '(');
        return ($pick->(\@b), $pick->(\@b));
    };
    my @out;
    for my $i (1 .. $steps) {
        my $k = $pick->(\@keys);
        my $op = int rand 32;
        my @cmd;
        if ($op < 6) {
            my $n = rand() < 0.08 ? 140 : 1 + int rand 3;
            my @o = rand() < 0.3 ? ($pick->([[], ['NX'], ['XX'], ['GT'],
                                             ['LT'], ['CH'], [qw(XX CH)],
                                             [qw(GT CH)]])->@*) : ();
            @cmd = ('ZADD', $k, @o,
                    map { ($pick->(\@scores), $member->()) } 1 .. $n);
        } elsif ($op < 8) {
            @cmd = ('ZINCRBY', $k, $pick->(\@scores), $member->());
        } elsif ($op < 10) {
            @cmd = ('ZREM', $k, map { $member->() } 1 .. 1 + int rand 3);
        } elsif ($op < 11) {
            @cmd = ('ZSCORE', $k, $member->());
        } elsif ($op < 12) {
            @cmd = ($pick->([qw(ZRANK ZREVRANK)]), $k, $member->());
        } elsif ($op < 14) {
            @cmd = ('ZRANGE', $k, $range->(),
                    rand() < 0.5 ? 'WITHSCORES' : (), rand() < 0.3 ? 'REV' : ());
        } elsif ($op < 16) {
            @cmd = ($pick->([qw(ZRANGEBYSCORE ZREVRANGEBYSCORE)]), $k,
                    $srange->(), 'WITHSCORES',
                    rand() < 0.3 ? ('LIMIT', int(rand 3), int(rand 4) - 1) : ());
        } elsif ($op < 17) {
            # lex intervals mean something only over equal scores: on the
            # key "{r}lex", which only ever gets score 0
            if (rand() < 0.5) {
                @cmd = ('ZADD', '{r}lex', map { (0, $member->()) } 1 .. 3);
            } else {
                @cmd = ($pick->([qw(ZRANGEBYLEX ZREVRANGEBYLEX ZLEXCOUNT
                                    ZREMRANGEBYLEX)]), '{r}lex', $lrange->());
                @cmd[2, 3] = @cmd[3, 2] if $cmd[0] eq 'ZREVRANGEBYLEX';
            }
            push @out, \@cmd, ['ZRANGE', '{r}lex', 0, -1],
                       ['OBJECT', 'ENCODING', '{r}lex'];
            next;
        } elsif ($op < 18) {
            @cmd = ('ZCOUNT', $k, $srange->());
        } elsif ($op < 19) {
            @cmd = ($pick->([qw(ZREMRANGEBYRANK ZREMRANGEBYSCORE)]), $k,
                    $op % 2 ? $range->() : $srange->());
            @cmd = ('ZREMRANGEBYRANK', $k, $range->()) if rand() < 0.5;
        } elsif ($op < 20) {
            @cmd = ('ZREMRANGEBYSCORE', $k, $srange->());
        } elsif ($op < 21) {
            @cmd = ($pick->([qw(ZPOPMIN ZPOPMAX)]), $k,
                    rand() < 0.5 ? (int rand 4) : ());
        } elsif ($op < 22) {
            @cmd = ('ZMPOP', 2, $k, $pick->(\@keys), $pick->([qw(MIN MAX)]),
                    'COUNT', 1 + int rand 3);
        } elsif ($op < 25) {
            my $d = $pick->(\@keys);
            @cmd = ($pick->([qw(ZUNIONSTORE ZINTERSTORE ZDIFFSTORE)]), $d, 2, $k,
                    $pick->(\@keys));
            push @cmd, 'WEIGHTS', $pick->([1, 2, '0.5']), $pick->([1, -1])
                if $cmd[0] ne 'ZDIFFSTORE' && rand() < 0.4;
            push @cmd, 'AGGREGATE', $pick->([qw(SUM MIN MAX)])
                if $cmd[0] ne 'ZDIFFSTORE' && rand() < 0.4;
        } elsif ($op < 26) {
            @cmd = ($pick->([qw(ZUNION ZINTER ZDIFF)]), 2, $k, $pick->(\@keys),
                    'WITHSCORES');
        } elsif ($op < 27) {
            @cmd = ('ZRANGESTORE', $pick->(\@keys), $k, $range->());
        } elsif ($op < 28) {
            @cmd = ('ZCARD', $k);
        } elsif ($op < 29) {
            my $c = $pick->([1, 3, -4, 0]);
            push @out, { cmd => ['ZRANDMEMBER', $k, $c],
                         check => sub ($kr, $rr) {
                             my ($ka, $ra) = (parse($kr), parse($rr));
                             ref $ka eq 'ARRAY' && ref $ra eq 'ARRAY'
                                 && @$ka == @$ra;
                         } };
            next;
        } elsif ($op < 30) {
            my $k2 = $pick->(\@keys);
            @cmd = rand() < 0.5 ? ('RENAME', $k, $k2)
                                : ('COPY', $k, $k2, 'REPLACE');
        } elsif ($op < 31) {
            @cmd = ('ZMSCORE', $k, map { $member->() } 1 .. 3);
        } else {
            @cmd = rand() < 0.3 ? ('DEL', $k) : ('ZINTERCARD', 2, $k,
                                                  $pick->(\@keys));
        }
        push @out, \@cmd;
        if ($cmd[0] =~ /^(ZADD|ZINCRBY|ZREM|ZREMRANGE|ZPOP|ZMPOP|Z\w+STORE|RENAME|COPY)/) {
            my $t = $cmd[0] =~ /^(RENAME|COPY)$/ ? $cmd[2]
                  : $cmd[0] =~ /STORE$/ ? $cmd[1] : $k;
            push @out, ['ZRANGE', $t, 0, -1, 'WITHSCORES'],
                       ['OBJECT', 'ENCODING', $t];
        }
    }
    return @out;
}
for my $seed (1 .. 8) {
    add("random sequence, seed $seed", random_case($seed, 400));
}

Diff::each_server(sub ($d) { $d->cases(@cases) });

done_testing;
