#!/usr/bin/perl
# SORT and SORT_RO against redis-server, byte for byte: every option (BY
# with '*', "->field" and without '*', GET with "#" and patterns, LIMIT,
# ASC/DESC, ALPHA, STORE) and their combinations, on lists, sets (intset
# and hashtable), sorted sets (listpack and skiplist) and missing keys;
# WRONGTYPE and every argument error; strtod()'s view of numbers; NUL bytes
# in elements, values and patterns; huge and negative LIMITs; STORE over
# keys of other types, with TTLs, and with empty results; the order of
# ties (a stable merge sort, and Redis's partial quicksort when BY meets a
# LIMIT); COMMAND GETKEYS; keys spread over shards; and seeded random runs.
#
# Where Redis's reply depends on its hash-table order (a hashtable set
# read with BY nosort, ties among members of a hashtable set or a sorted
# set), the reply is compared as a multiset (U below); such cases are few
# and named so.
#
# Redis 7.0 does not clear errno before strtod(), so after a SORT met an
# out-of-range number, a later numeric SORT of non-integer strings on the
# same connection fails too (kevyd clears it: see t_sort.c). Every case
# here runs on new connections, and a SORT that meets ERANGE is the last
# strtod() of its case.

use v5.36;
use lib 't/lib';
use Test::More;
use Kevyd qw(safety_alarm key_shard);
use Diff qw(parse);

safety_alarm(1200);

my @cases;
sub add ($name, @steps) { push @cases, [ $name, \@steps ] }

sub step_name ($s) {
    my $a = ref $s eq 'HASH' ? $s->{cmd} : $s;
    return '?' unless ref $a eq 'ARRAY';
    my $n = join ' ', map { Diff::vis($_, 30) } @$a;
    return length $n > 120 ? substr($n, 0, 117) . '...' : $n;
}

# A case named after its last command (the earlier ones set keys up).
sub seq (@steps) {
    my @named = grep { ref $_ eq 'ARRAY' && $_->[0] =~ /^sort/i
                       || ref $_ eq 'HASH' } @steps;
    add(join(' ; ', map { step_name($_) } @named ? @named : @steps), @steps);
}

my $LMAX = '9223372036854775807';
my $LMIN = '-9223372036854775808';
my $BIG = '9223372036854775808';    # one past LLONG_MAX

# ------------------------------------------------------------- checks

# A reply with its arrays sorted, for orders Redis takes from a hash table.
# A SORT whose array reply is compared as a multiset.
sub U (@args) { Diff::unordered(@args) }

# ------------------------------------------------------------- data

# The values sorted: name => [the command that makes it, its elements].
my @zs = map { sprintf 'm%03d', $_ } 0 .. 149;
my @zsn = map { $_ * 3 - 200 } 0 .. 149;
my %SRC = (
    # a list of numbers in many spellings, one duplicate
    l => [ 'RPUSH', qw(3 1 2 10 -5 2.5 100 0 -0 4 7 1 1e1 +6 07) ],
    # a list of words (ALPHA), with a duplicate, an empty string, a space
    t => [ 'RPUSH', 'banana', 'apple', 'cherry', 'Apple', '', 'b a',
           'apple', 'Banana', 'z', '10', '9' ],
    # an intset: it lists in numeric order, as in Redis
    si => [ 'SADD', qw(5 3 9 -1 0 100 42 7 -20) ],
    # hashtable sets: of numbers, of words
    sn => [ 'SADD', qw(1.5 2.5 -3.5 10.25 0.5 1e1 11) ],
    sh => [ 'SADD', qw(banana apple cherry kiwi date fig Apple) ],
    # listpack sorted sets: members that are numbers, members that are
    # words
    zn => [ 'ZADD', 5, 10, 1, 5, 3, 7, 2, -1, 4, 3.5, 6, 11 ],
    zl => [ 'ZADD', 3, 'c', 1, 'a', 2, 'b', 5, 'e', 4, 'd', 2, 'bb' ],
    # skip-list sorted sets (past 128 members)
    zs => [ 'ZADD', map { (($_ * 37) % 150, $zs[$_]) } 0 .. 149 ],
    zsn => [ 'ZADD', map { (($_ * 53) % 150, $zsn[$_]) } 0 .. 149 ],
);

sub elements ($src) {
    my $c = $SRC{$src} or return ();
    my @a = @$c[1 .. $#$c];
    return $c->[0] eq 'ZADD' ? @a[ map { 2 * $_ + 1 } 0 .. $#a / 2 ] : @a;
}

# Distinct weights for every element name there is: no ties by weight.
my %W;
{
    my @all = do { my %s; grep { !$s{$_}++ } map { elements($_) }
                   sort keys %SRC };
    my $n = @all;
    for my $i (0 .. $#all) {
        $W{ $all[$i] } = ($i * 7919) % $n - int($n / 2);
    }
}

# The commands that make a source and the keys its patterns read:
#   w_E   a number (distinct)        o_E  "obj:E" (none for some)
#   h_E   a hash: f (a number, missing for one element), name
#   a_E   a word to sort by with ALPHA (distinct)
sub fx ($src, %o) {
    my @e = elements($src);
    my @s;
    push @s, [ $SRC{$src}[0], $src, @{ $SRC{$src} }[ 1 .. $#{ $SRC{$src} } ] ]
        if $SRC{$src};
    return @s unless @e;
    my %seen;
    @e = grep { !$seen{$_}++ } @e;
    push @s, [ 'MSET', map { ("w_$_", $W{$_}, "a_$_", "k" . ($W{$_} + 500)) }
               @e ];
    my @o = map { $e[$_] } grep { $_ % 5 != 3 } 0 .. $#e;
    push @s, [ 'MSET', map { ("o_$_", "obj:$_") } @o ] if @o;
    if ($o{h}) {
        for my $i (0 .. $#e) {
            push @s, [ 'HSET', "h_$e[$i]", ($i == 1 ? () : ('f', -$W{ $e[$i] })),
                       'name', "n:$e[$i]" ];
        }
    }
    return @s;
}

# Which sources read in an order Redis takes from a hash table.
my %HASHED = (sn => 1, sh => 1);
# And which may tie under ALPHA (sorted sets read in hash order).
my %ZSET = (zn => 1, zl => 1, zs => 1, zsn => 1);

my @SOURCES = qw(l t si sn sh zn zl zs zsn nosuch);
my @LIMITS = ([], [qw(LIMIT 0 3)], [qw(LIMIT 2 4)], [qw(LIMIT -2 3)],
              [qw(LIMIT 1 -1)], [qw(LIMIT 3 0)], [qw(LIMIT 100 5)],
              [ 'LIMIT', $LMAX, $LMAX ], [ 'LIMIT', 0, $LMAX ],
              [ 'LIMIT', 5, $LMAX ], [ 'LIMIT', $LMIN, $LMIN ],
              [qw(LIMIT 0 -5)], [qw(LIMIT 14 1)]);

# ------------------------------------------------- the option grid

# Every source, without BY: ASC/DESC/neither x ALPHA or not x LIMITs.
for my $src (@SOURCES) {
    for my $order ([], ['ASC'], ['DESC']) {
        for my $alpha ([], ['ALPHA']) {
            for my $lim (@LIMITS) {
                seq(fx($src), [ 'SORT', $src, @$order, @$alpha, @$lim ]);
            }
        }
    }
}

# BY patterns, with ALPHA or not, DESC or not, some LIMITs, and GET.
my @BYS = (
    [ 'w_*' ],          # distinct numbers
    [ 'h_*->f' ],       # a hash field, missing for one element
    [ 'a_*' ],          # words
    [ 'nosort' ],       # no '*': no sorting at all
    [ 'x_*' ],          # no such keys: all equal
    [ 'h_*->nope' ],    # no such field
    [ 'w_*->f' ],       # a field of a string: none
    [ 'o_*' ],          # words, some missing
);
for my $src (@SOURCES) {
    for my $by (@BYS) {
        my $p = $by->[0];
        for my $alpha (0, 1) {
            for my $desc (0, 1) {
                for my $lim ([], [qw(LIMIT 1 3)], [qw(LIMIT 0 1)]) {
                    my @cmd = ('SORT', $src, 'BY', $p, ($alpha ? 'ALPHA' : ()),
                               ($desc ? 'DESC' : ()), @$lim);
                    # Redis's order of ties, or of a hash table, is not
                    # one to compare: multisets (a LIMIT then picks some
                    # at random: not compared).
                    my $ties = $alpha && ($p eq 'x_*' || $p eq 'h_*->nope'
                                          || $p eq 'w_*->f' || $p eq 'o_*');
                    my $hashed = $HASHED{$src} && $p eq 'nosort';
                    if (($hashed || $ties && ($HASHED{$src} || $ZSET{$src}))) {
                        next if @$lim;
                        seq(fx($src, h => 1), U(@cmd), U(@cmd, 'GET', '#'));
                        next;
                    }
                    seq(fx($src, h => 1), [@cmd], [ @cmd, 'GET', 'o_*' ],
                        [ @cmd, 'GET', '#', 'GET', 'h_*->name' ]);
                }
            }
        }
    }
}

# GET patterns on a list, every kind.
for my $get (['#'], ['o_*'], ['h_*->name'], ['h_*->f'], ['h_*->'],
             ['nokey'], ['w_*'], ['x_*'], ['#', 'o_*', '#'],
             ['h_*'], ['l'], ['*'], ['o_*', 'o_*'], ['*->name'],
             ["o_*\0junk"], ["#\0junk"], ["\0*"], ["o_\0*"], ['##'],
             ['a->b*'], ['h_*->na*'], ['*_*']) {
    my @g = map { ('GET', $_) } @$get;
    seq(fx('l', h => 1), [ 'SORT', 'l', @g ]);
    seq(fx('l', h => 1), [ 'SORT', 'l', 'BY', 'w_*', @g, 'LIMIT', 2, 5 ]);
    seq(fx('l', h => 1), [ 'SORT', 'l', 'BY', 'nosort', @g, 'DESC' ]);
    seq(fx('l', h => 1), [ 'SORT', 'l', @g, 'STORE', 'dst' ],
        [qw(LRANGE dst 0 -1)]);
}

# ------------------------------------------------- STORE

for my $src (@SOURCES) {
    for my $opts ([], ['ALPHA'], [qw(BY nosort)], [qw(BY nosort DESC)],
                  [qw(BY w_*)], [qw(BY a_* ALPHA DESC)],
                  [qw(BY nosort LIMIT 1 2)], [split(' ', 'LIMIT 1 2 GET o_* GET #')],
                  [qw(BY w_* GET x_*)], [qw(LIMIT 0 0)]) {
        # a set being stored is sorted ALPHA even with BY nosort
        seq(fx($src), [ 'SORT', $src, @$opts, 'STORE', 'dst' ],
            [qw(TYPE dst)], [qw(LRANGE dst 0 -1)], [qw(OBJECT ENCODING dst)]);
    }
}
for my $old ([qw(SET dst old)], [qw(SADD dst a b)], [qw(HSET dst f v)],
             [qw(ZADD dst 1 a)], [qw(RPUSH dst x y z)],
             [qw(SET dst old EX 100)], [qw(RPUSH dst x)]) {
    seq(fx('l'), $old, [qw(SORT l STORE dst)], [qw(TYPE dst)],
        [qw(TTL dst)], [qw(LRANGE dst 0 -1)]);
    # an empty result deletes the destination
    seq(fx('l'), $old, [qw(SORT nosuch STORE dst)], [qw(EXISTS dst)]);
    seq(fx('l'), $old, [qw(SORT l LIMIT 0 0 STORE dst)], [qw(EXISTS dst)]);
    seq(fx('l'), $old, [qw(SORT l LIMIT 50 5 STORE dst)], [qw(EXISTS dst)]);
    # an error stores nothing
    seq(fx('t'), $old, [qw(SORT t STORE dst)], [qw(TYPE dst)], [qw(TTL dst)]);
    seq(fx('l'), $old, [qw(SET s x)], [qw(SORT s STORE dst)], [qw(TYPE dst)]);
}
seq(fx('l'), [qw(SORT l STORE l)], [qw(LRANGE l 0 -1)]);
seq(fx('l'), [qw(SORT l DESC STORE l)], [qw(SORT l BY nosort STORE l)],
    [qw(LRANGE l 0 -1)]);
seq(fx('si'), [qw(SORT si STORE si)], [qw(TYPE si)], [qw(LRANGE si 0 -1)]);
seq(fx('zl'), [qw(SORT zl ALPHA STORE zl)], [qw(TYPE zl)],
    [qw(LRANGE zl 0 -1)]);
seq(fx('l'), [qw(SORT l BY w_* STORE w_3)], [qw(TYPE w_3)],
    [qw(LRANGE w_3 0 -1)], [qw(SORT l BY w_*)]);
seq(fx('l'), [qw(SORT l STORE a STORE b)], [qw(EXISTS a)],
    [qw(LRANGE b 0 -1)]);
seq(fx('l'), [qw(SORT l GET o_* STORE dst)], [qw(LRANGE dst 0 -1)],
    [qw(LLEN dst)]);
seq(fx('l'), [qw(SORT l GET nokey STORE dst)], [qw(LRANGE dst 0 -1)]);
seq(fx('sh'), [qw(SORT sh BY nosort STORE dst)], [qw(LRANGE dst 0 -1)]);
seq(fx('sh'), [split(' ', 'SORT sh BY nosort GET o_* GET # STORE dst')],
    [qw(LRANGE dst 0 -1)]);
seq(fx('sh'), [qw(SORT sh BY nosort DESC LIMIT 1 3 STORE dst)],
    [qw(LRANGE dst 0 -1)]);
seq(fx('sn'), [qw(SORT sn BY nosort STORE dst)], [qw(LRANGE dst 0 -1)]);
seq(fx('sn'), [qw(SORT sn BY w_* STORE dst)], [qw(LRANGE dst 0 -1)]);
seq(fx('si'), [qw(SORT si BY nosort STORE dst)], [qw(LRANGE dst 0 -1)]);
seq(fx('si'), [qw(SORT si BY nosort BY w_* STORE dst)],
    [qw(LRANGE dst 0 -1)]);
seq(fx('l'), ['SORT', 'l', 'STORE', "d\0st"], ['LRANGE', "d\0st", 0, -1]);
seq(fx('l'), ['SORT', 'l', 'STORE', ''], ['LRANGE', '', 0, -1]);
# a long result spans many list nodes
seq(['RPUSH', 'big', map { ($_ * 7919) % 5000 } 0 .. 4999],
    [qw(SORT big STORE dst)], [qw(LLEN dst)], [qw(LRANGE dst 0 -1)],
    [qw(SORT big DESC LIMIT 100 200 STORE dst)], [qw(LRANGE dst 0 -1)]);

# ------------------------------------------------- SORT_RO

for my $src (qw(l si zl nosuch)) {
    seq(fx($src), [ 'SORT_RO', $src ], [ 'SORT_RO', $src, 'ALPHA', 'DESC' ],
        [ 'SORT_RO', $src, split(' ', 'BY w_* GET # GET o_* LIMIT 1 2') ],
        [ 'SORT_RO', $src, qw(BY nosort DESC) ]);
    seq(fx($src), [ 'SORT_RO', $src, 'STORE', 'dst' ], [qw(EXISTS dst)]);
    seq(fx($src), [ 'SORT_RO', $src, 'STORE' ]);
    seq(fx($src), [ 'SORT_RO', $src, 'ALPHA', 'STORE', 'dst', 'LIMIT', 0 ]);
    seq(fx($src), [ 'sort_ro', $src, 'store', 'dst' ]);
}
seq(['SET', 's', 'x'], [qw(SORT_RO s)], [qw(SORT_RO s STORE d)],
    [qw(SORT_RO s LIMIT a b)]);
seq(['SORT_RO'], ['sort_ro'], ['SORT'], ['sort']);

# ------------------------------------------------- errors

for my $src (qw(l s h nosuch)) {
    my @mk = ([qw(SET s str)], [qw(HSET h f v)], fx('l'));
    for my $bad ([qw(LIMIT)], [qw(LIMIT 0)], [qw(LIMIT a 1)],
                 [qw(LIMIT 1 a)], [qw(LIMIT 1.5 1)], [ 'LIMIT', $BIG, 1 ],
                 [ 'LIMIT', 0, $BIG ], [ 'LIMIT', '', 1 ], [ 'LIMIT', ' 1', 1 ],
                 [qw(LIMIT a b c)], [qw(BY)], [qw(GET)], [qw(STORE)],
                 [qw(FOO)], [qw(ASC FOO)], [qw(BY x GET)], ['ASCX'],
                 [ "ASC\0" ], [ "desc\0x" ], [ 'ALPHA ' ], [ "limit\0", 1, 1 ],
                 [ 'DESC', 'LIMIT', 1, 'x', 'FOO' ], [qw(FOO LIMIT a b)],
                 [qw(LIMIT a b FOO)], [qw(STORE)], [qw(ALPHA STORE)],
                 [split(' ', 'GET # STORE d BY')], [ "by\0", 'nosort' ],
                 [ "get\0", '#' ], [ "store\0x", 'd' ]) {
        seq(@mk, [ 'SORT', $src, @$bad ], [qw(EXISTS d)]);
    }
}
seq([qw(SET s str)], [qw(SORT s)], [qw(SORT s BY nosort)], [qw(SORT s ALPHA)],
    [qw(SORT s STORE d)], [qw(EXISTS d)]);
seq([qw(HSET h f v)], [qw(SORT h)], [qw(SORT_RO h)]);
# numbers strtod() takes or not; the ERANGE case last
for my $bad ('abc', '1abc', 'nan', '-nan', 'NaN', '1 ', '1e', '--1', '0x',
             "1\0x", "\0", '1,5') {
    seq([ 'RPUSH', 'l', 3, $bad, 1 ], [qw(SORT l)], [qw(SORT l DESC LIMIT 0 1)],
        [qw(SORT l ALPHA)], [qw(SORT l STORE dst)], [qw(EXISTS dst)],
        [qw(SORT l BY nosort)]);
}
for my $range ('1e400', '-1e400', '1e-400', '2e308') {
    seq([ 'RPUSH', 'l', 3, $range, 1 ], [qw(SORT l ALPHA)],
        [qw(SORT l BY nosort)], [qw(SORT l)]);
    seq([ 'RPUSH', 'l', 3, 1 ], [ 'SET', 'w_3', $range ], [qw(SORT l BY w_*)]);
}
seq([ 'RPUSH', 'l', ' 1', "\t2", '0x10', '1e1', 'inf', '-inf', 'INFINITY',
      '+5', '', '0x1p3', '1.', '.5', '-.5e1', '1e-300', "4\0junk", '+0',
      '-0', '0', '00' ],
    [qw(SORT l)], [qw(SORT l DESC)], [qw(SORT l LIMIT 3 4)],
    [qw(SORT l STORE dst)], [qw(LRANGE dst 0 -1)]);
seq([qw(RPUSH l 1 2 3)], [qw(MSET w_1 inf w_2 -inf w_3 1e308)],
    [qw(SORT l BY w_*)], [qw(SORT l BY w_* DESC)]);
seq([qw(RPUSH l 1 2 3)], [qw(MSET w_1 nan w_2 1 w_3 2)], [qw(SORT l BY w_*)],
    [qw(SORT l BY w_* ALPHA)], [qw(SORT l BY w_* STORE d)], [qw(EXISTS d)]);
seq([qw(RPUSH l 1 2 3)], [qw(HSET w_1 f x)], [qw(SET w_2 1.5x)],
    [qw(SORT l BY w_*)], [qw(SORT l BY w_*->f)]);
seq([qw(RPUSH l 1 2 3)], [qw(HSET h_1 f x)], [qw(SORT l BY h_*->f)],
    [qw(SORT l BY h_*->f ALPHA)]);

# ------------------------------------------------- ties and orders

# Equal numbers: ordered by the elements' bytes (DESC: reversed).
seq([qw(RPUSH l 1.0 1 01 1e0 +1 0.1e1 2 -0 0 0.0)], [qw(SORT l)],
    [qw(SORT l DESC)], [qw(SORT l LIMIT 2 3)]);
seq([qw(SADD s 1.0 1 01 1e0 +1 0.1e1 2 -0 0 0.0)], [qw(SORT s)],
    [qw(SORT s DESC)]);
seq([qw(ZADD z 3 1.0 2 1 1 01 0 1e0 5 +1)], [qw(SORT z)], [qw(SORT z DESC)]);
seq([qw(RPUSH l a b c d)], [qw(MSET w_a 1 w_b 1 w_c 0 w_d 1)],
    [qw(SORT l BY w_*)], [qw(SORT l BY w_* DESC)],
    [qw(SORT l BY w_* ALPHA)], [qw(SORT l BY w_* ALPHA DESC)]);
seq(['RPUSH', 'l', 9007199254740993, 9007199254740992, 9007199254740994],
    [qw(SORT l)], [qw(SORT l DESC)]);
# ALPHA ties: strcoll() stops at a NUL, the stored order is bytewise
seq([ 'RPUSH', 'l', "a\0c", "a\0b", 'a', "a\0a", 'b', "\0z", "\0y", '' ],
    [qw(SORT l ALPHA)], [qw(SORT l ALPHA DESC)], [qw(SORT l ALPHA LIMIT 1 3)],
    [qw(SORT l ALPHA STORE d)], [qw(LRANGE d 0 -1)],
    [qw(SORT l ALPHA DESC STORE d)], [qw(LRANGE d 0 -1)]);
seq([ 'RPUSH', 'l', qw(p q r s) ],
    [ 'MSET', 'a_p', "x\0b", 'a_q', "x\0a", 'a_r', 'x', 'a_s', "x\0a" ],
    [qw(SORT l BY a_* ALPHA)], [qw(SORT l BY a_* ALPHA DESC)],
    [qw(SORT l BY a_* ALPHA STORE d)], [qw(LRANGE d 0 -1)],
    [qw(SORT l BY a_* ALPHA DESC STORE d)], [qw(LRANGE d 0 -1)]);
# a missing BY value sorts first under ALPHA, last with DESC
seq([qw(RPUSH l p q r s t)], [qw(MSET a_q b a_s a)],
    [qw(SORT l BY a_* ALPHA)], [qw(SORT l BY a_* ALPHA DESC)],
    [qw(SORT l BY a_* ALPHA STORE d)], [qw(LRANGE d 0 -1)]);
seq([ 'RPUSH', 'l', "\xff", "\x80", 'A', 'a', "\x7f", ' ', "\x01", 'Z' ],
    [qw(SORT l ALPHA)], [qw(SORT l ALPHA STORE d)], [qw(LRANGE d 0 -1)]);
seq([ 'SADD', 's', "\xff", "\x80", 'A', 'a', "\x7f", ' ', "\x01", 'Z', 'zz' ],
    [qw(SORT s ALPHA)], [qw(SORT s ALPHA DESC LIMIT 2 3)],
    [qw(SORT s BY nosort STORE d)], [qw(LRANGE d 0 -1)]);

# Redis's partial quicksort (BY and a LIMIT) orders ties its own way:
# lists of many sizes with few distinct BY values, cut at many places.
for my $n (2, 5, 6, 7, 8, 9, 12, 40, 41, 42, 60, 100, 257) {
    my @e = map { "e$_" } 1 .. $n;
    my @w = map { ("a_e$_", ('p', 'q', 'r', '', "s\0")[ ($_ * 7) % 5 ]) }
            grep { $_ % 11 != 4 } 1 .. $n;
    my @steps = ([ 'RPUSH', 'l', @e ], [ 'MSET', @w ]);
    for my $lim ([0, 1], [1, 3], [0, int($n / 2)], [int($n / 3), 5],
                 [$n - 3, 2], [$n - 1, 1], [1, $n], [0, $n - 1]) {
        for my $o ([], ['DESC']) {
            push @steps, [ 'SORT', 'l', 'BY', 'a_*', 'ALPHA', @$o, 'LIMIT',
                           @$lim ];
            push @steps, [ 'SORT', 'l', 'BY', 'a_*', 'ALPHA', @$o, 'LIMIT',
                           @$lim, 'STORE', 'dst' ], [qw(LRANGE dst 0 -1)];
        }
        push @steps, [ 'SORT', 'l', 'BY', 'x_*', 'ALPHA', 'LIMIT', @$lim ];
    }
    push @steps, [qw(SORT l BY a_* ALPHA)], [qw(SORT l BY a_* ALPHA DESC)],
        [qw(SORT l BY x_* ALPHA)];
    add("ties of $n elements, BY a_* ALPHA with LIMITs", @steps);
}
# an intset reads in order too
seq([ 'SADD', 's', 1 .. 60 ],
    [ 'MSET', map { ("a_$_", qw(x y z)[ $_ % 3 ]) } 1 .. 60 ],
    [qw(SORT s BY a_* ALPHA LIMIT 10 10)], [qw(SORT s BY a_* ALPHA)],
    [qw(SORT s BY a_* ALPHA DESC LIMIT 0 7)], [qw(SORT s BY x_* ALPHA LIMIT 5 5)]);
# and a long list, numeric and ALPHA, whole and cut
{
    my @e = map { ($_ * 7919) % 3001 - 1500 } 1 .. 3000;
    seq([ 'RPUSH', 'l', @e ], [qw(SORT l)], [qw(SORT l DESC LIMIT 1000 500)],
        [qw(SORT l ALPHA)], [qw(SORT l ALPHA DESC LIMIT 2990 20)],
        [ 'MSET', map { ("w_$_", $_ % 17) } @e[0 .. 999] ],
        [qw(SORT l BY w_* LIMIT 100 50)], [qw(SORT l BY w_*)],
        [qw(SORT l BY w_* ALPHA LIMIT 1500 30)]);
}

# ------------------------------------------------- BY nosort

for my $src (qw(l zn zl zs zsn si)) {
    for my $lim ([], [qw(LIMIT 0 1)], [qw(LIMIT 1 1)], [qw(LIMIT 3 4)],
                 [qw(LIMIT 0 0)], [qw(LIMIT -1 2)], [ 'LIMIT', 2, $LMAX ],
                 [qw(LIMIT 140 20)], [qw(LIMIT 149 1)], [qw(LIMIT 150 1)]) {
        seq(fx($src), [ 'SORT', $src, qw(BY nosort), @$lim ],
            [ 'SORT', $src, qw(BY nosort DESC), @$lim ],
            [ 'SORT', $src, split(' ', 'BY nosort DESC ALPHA GET # GET o_*'), @$lim ],
            [ 'SORT', $src, qw(BY nosort GET w_*), @$lim, 'STORE', 'dst' ],
            [qw(LRANGE dst 0 -1)]);
    }
}
seq(fx('l'), [qw(SORT l BY nosort BY w_*)], [qw(SORT l BY w_* BY nosort)],
    [qw(SORT l BY w_* BY o_* ALPHA)], [qw(SORT l DESC ASC)],
    [qw(SORT l ASC DESC)], [qw(SORT l ALPHA ALPHA)]);
seq(fx('l'), [qw(SET nosort 5)], [qw(SORT l BY nosort)],
    [ 'SORT', 'l', 'BY', "w_\0*" ], [ 'SORT', 'l', 'BY', '' ],
    [ 'SORT', 'l', 'BY', "\0*" ]);
seq(fx('sh'), U(qw(SORT sh BY nosort)), U(qw(SORT sh BY nosort DESC)),
    U(qw(SORT sh BY nosort GET o_*)));
# a sorted set becomes a skip list, even for SORT_RO and with nosort
for my $cmd ([qw(SORT z)], [qw(SORT_RO z)], [qw(SORT z BY nosort)],
             [qw(SORT z ALPHA LIMIT 0 0)], [qw(SORT z STORE d)],
             [qw(SORT z BY w_*)]) {
    seq([qw(ZADD z 1 10 2 20 3 5)], [qw(OBJECT ENCODING z)], $cmd,
        [qw(OBJECT ENCODING z)], [qw(ZADD z 4 7)], [qw(ZRANGE z 0 -1)],
        [qw(OBJECT ENCODING z)]);
}
seq([qw(ZADD z 1 a)], [qw(SORT z LIMIT a b)], [qw(OBJECT ENCODING z)]);
seq([qw(SET s x)], [qw(ZADD z 1 a)], [split(' ', 'SORT z GET #')],
    [qw(OBJECT ENCODING z)]);

# ------------------------------------------------- patterns

seq([qw(RPUSH l 1 2 3)], [ 'SET', "o_1\0junk", 'one' ],
    [ 'SET', "o_2\0", 'two' ], [ 'SORT', 'l', 'GET', "o_*\0junk" ],
    [ 'SORT', 'l', 'GET', "o_*\0" ], [ 'SORT', 'l', 'BY', "o_*\0junk" ]);
seq([qw(RPUSH l 1 2 3)], [ 'HSET', 'h_1', "f\0g", 5, 'f', 1 ],
    [ 'HSET', 'h_2', "f\0g", 3 ], [ 'HSET', 'h_3', "f\0g", 4, 'f', 9 ],
    [ 'SORT', 'l', 'BY', "h_*->f\0g" ], [ 'SORT', 'l', 'GET', "h_*->f\0g" ],
    [ 'SORT', 'l', 'GET', "h_*->f" ]);
seq([qw(RPUSH l 1 2 3)], [ 'SET', 'h_1->', 'a' ], [ 'SET', 'h_2->', 'b' ],
    [qw(HSET h_1 x 1)], [ 'SORT', 'l', 'GET', 'h_*->' ],
    [ 'SORT', 'l', 'BY', 'h_*->', 'ALPHA' ]);
seq([qw(RPUSH l 1 2)], [ 'SET', "h_1->\0x", 'nul' ],
    [ 'HSET', 'h_1', "\0x", 'field' ], [ 'SORT', 'l', 'GET', "h_*->\0x" ]);
seq([qw(RPUSH l 1 2)], [ 'SET', 'x->y1', 'a' ], [qw(HSET x y1 b)],
    [ 'SORT', 'l', 'GET', 'x->y*' ], [ 'SORT', 'l', 'GET', 'x->*' ],
    [ 'HSET', 'x', '->y', 'c' ], [ 'SORT', 'l', 'GET', 'x*->y' ]);
seq([qw(RPUSH l a b)], [qw(HSET k_a- >x 1)], [qw(SET k_a-->x 2)],
    [ 'SORT', 'l', 'GET', 'k_*-->x' ], [qw(HSET k_a- >x 3 x 4)],
    [ 'SORT', 'l', 'GET', 'k_*-->x' ], [ 'SORT', 'l', 'GET', 'k_*->->x' ]);
seq([qw(RPUSH l a b)], [qw(MSET a* 1 a** 2 *a 3)], [ 'SORT', 'l', 'GET', '*' ],
    [ 'SORT', 'l', 'GET', '**' ], [ 'SORT', 'l', 'GET', '*a' ],
    [ 'SORT', 'l', 'GET', '**a' ], [ 'SORT', 'l', 'GET', '*' . '*' x 3 ]);
seq([ 'RPUSH', 'l', "\0", "a\0b", '', "\r\n" ],
    [ 'MSET', "w_\0", 3, "w_a\0b", 1, 'w_', 2, "w_\r\n", 0 ],
    [ 'MSET', "o_\0", 'nul', "o_a\0b", 'anb', 'o_', 'empty', "o_\r\n", 'crlf' ],
    [split(' ', 'SORT l BY w_* GET o_* GET #')], [split(' ', 'SORT l BY w_* DESC GET #')],
    [qw(SORT l ALPHA GET o_*)], [qw(SORT l BY w_* STORE d)],
    [qw(LRANGE d 0 -1)]);
# int-encoded values and elements, and values of other types
seq([qw(RPUSH l 10 9 100)], [qw(MSET w_10 3 w_9 20 w_100 -1)],
    [qw(SORT l BY w_*)], [qw(SORT l BY w_* ALPHA)], [qw(SET w_9 10000000000)],
    [qw(SORT l BY w_* GET w_*)]);
seq([qw(RPUSH l a b c)], [qw(RPUSH w_a 1)], [qw(SADD w_b 1)], [qw(SET w_c 1)],
    [qw(SORT l BY w_*)], [qw(SORT l GET w_*)], [qw(HSET h_a f 1)],
    [qw(SORT l GET h_*->f BY h_*->f)]);
seq([qw(RPUSH l a b c)], [qw(HSET h_a f 10 g x)], [qw(HSET h_b f 5)],
    [qw(HSET h_c f 7)], [qw(SORT l BY h_*->f GET h_*->g GET h_*->f)],
    [split(' ', 'SORT l BY h_*->f DESC LIMIT 0 2 GET # GET h_*->f')]);
# hashes both small (listpack) and large (hashtable)
seq([qw(RPUSH l a b c)], [ 'HSET', 'h_a', 'f', 3, map { ("x$_", $_) } 1 .. 200 ],
    [ 'HSET', 'h_b', 'f', 1, 'long', 'y' x 100 ], [qw(HSET h_c f 2)],
    [qw(OBJECT ENCODING h_a)], [qw(SORT l BY h_*->f GET h_*->x150)],
    [qw(SORT l BY h_*->long ALPHA GET h_*->long)]);
# BY and GET keys with a TTL, and expired
seq([qw(RPUSH l 1 2 3)], [qw(SET w_1 30 PX 30)], [qw(SET w_2 20)],
    [qw(SET w_3 10 EX 100)], { sleep => 0.1 }, [qw(SORT l BY w_* GET w_*)],
    [qw(EXISTS w_1)], [qw(TTL w_3)]);
# the same key sorted by itself, GET of the sorted key
seq([qw(RPUSH l l 1)], [qw(SORT l GET *)], [qw(SORT l BY *)],
    [qw(SET 1 5)], [qw(SORT l BY * GET *)]);
# case of the options
seq(fx('l'), [split(' ', 'sort l desc alpha limit 0 3 get # by w_*')],
    [qw(SoRt l DeSc LiMiT 1 2)], [qw(SORT l StOrE dst)], [qw(LRANGE dst 0 -1)]);

# ------------------------------------------------- COMMAND GETKEYS

for my $g ([qw(sort k)], [qw(sort k store d)], [qw(sort k STORE d)],
           [qw(sort k store)], [qw(sort k store d store e)],
           [qw(sort k store get store d)], [qw(sort k limit store x)],
           [qw(sort k limit 0 1 store d)], [qw(sort k get store)],
           [qw(sort k by store store d)], [qw(sort k foo store d)],
           [qw(sort k store d by x get y)], [ 'sort', 'k', "store\0", 'd' ],
           [qw(sort)], [qw(sort_ro k)], [qw(sort_ro k store d)],
           [qw(sort_ro k by x get y limit 0 1)], [qw(sort_ro)],
           [qw(SORT k ALPHA DESC STORE d)]) {
    seq([ 'COMMAND', 'GETKEYS', @$g ], [ 'COMMAND', 'GETKEYSANDFLAGS', @$g ]);
}
seq([qw(COMMAND INFO sort sort_ro)], [qw(COMMAND DOCS sort)],
    [qw(COMMAND DOCS sort_ro)], U(qw(COMMAND LIST FILTERBY PATTERN sort*)));

# ------------------------------------------------- across shards

# Keys that live on different workers at 2 and 4 workers, and keys that
# share a {tag}: the plain path (everything on the key's shard) and the
# cross-shard one (BY/GET keys or the destination elsewhere).
my @K = map { "key:$_" } 0 .. 400;
my ($KA) = @K;
my ($KB) = grep { key_shard($_, 2) != key_shard($KA, 2)
                  && key_shard($_, 4) != key_shard($KA, 4) } @K;
my ($KC) = grep { key_shard($_, 4) != key_shard($KA, 4)
                  && key_shard($_, 4) != key_shard($KB, 4) } @K;
{
    # elements whose w_ keys fall on every shard
    my @e = map { "e$_" } 1 .. 40;
    my @setup = ([ 'RPUSH', $KA, @e ], [ 'SADD', $KB, @e ],
                 [ 'ZADD', $KC, map { ($_, "e$_") } 1 .. 40 ],
                 [ 'MSET', map { ("w_e$_", ($_ * 13) % 41) } 1 .. 40 ],
                 [ 'MSET', map { ("o_e$_", "obj$_") } grep { $_ % 3 } 1 .. 40 ],
                 map { [ 'HSET', "h_e$_", 'f', -$_, 'g', "g$_" ] } 1 .. 40);
    for my $src ($KA, $KB, $KC) {
        for my $dst (undef, $KA, $KB, $KC, '{t}d', "{$src}d") {
            my @st = defined $dst ? ('STORE', $dst) : ();
            my @after = defined $dst ? ([ 'TYPE', $dst ], [ 'LRANGE', $dst, 0, -1 ])
                                     : ();
            seq(@setup, [ 'SORT', $src, @st ], @after,
                [ 'SORT', $src, 'BY', 'w_*', 'GET', 'o_*', @st ], @after,
                [ 'SORT', $src, 'BY', 'h_*->f', 'GET', '#', 'GET', 'h_*->g',
                  'LIMIT', 3, 10, @st ], @after,
                [ 'SORT', $src, 'ALPHA', 'DESC', 'GET', "{$src}x_*", @st ],
                @after);
        }
        # (a hashtable set lists in its own order with nosort)
        seq(@setup, [ 'SORT_RO', $src, 'BY', 'w_*', 'GET', '#', 'GET', 'o_*' ],
            $src eq $KB
                ? U('SORT_RO', $src, 'BY', 'nosort', 'GET', 'h_*->g')
                : [ 'SORT_RO', $src, 'BY', 'nosort', 'GET', 'h_*->g',
                    'LIMIT', 0, 5 ]);
    }
    # hash-tagged patterns that keep every key on the key's shard
    seq([ 'RPUSH', '{u}l', qw(3 1 2) ], [qw(MSET {u}w_1 3 {u}w_2 1 {u}w_3 2)],
        [qw(MSET {u}o_1 a {u}o_2 b {v}o_3 c)],
        [qw(SORT {u}l BY {u}w_* GET {u}o_* GET {v}o_*)],
        [qw(SORT {u}l BY {u}w_* STORE {u}d)], [qw(LRANGE {u}d 0 -1)],
        [qw(SORT {u}l BY {u}w_* STORE {v}d)], [qw(LRANGE {v}d 0 -1)],
        [qw(SORT {u}l BY {}w_*)], [qw(SORT {u}l BY {u*}w)],
        [ 'SORT', '{u}l', 'BY', '{u}w_*', 'GET', "{u}o_*\0" ]);
    # the destination on another shard, over keys of other types, empty
    seq([ 'RPUSH', $KA, qw(b a c) ], [ 'SET', $KB, 'old', 'EX', 100 ],
        [ 'SORT', $KA, 'ALPHA', 'STORE', $KB ], [ 'TYPE', $KB ],
        [ 'TTL', $KB ], [ 'LRANGE', $KB, 0, -1 ],
        [ 'SORT', 'nosuch', 'STORE', $KB ], [ 'EXISTS', $KB ],
        [ 'SET', $KB, 'x' ], [ 'SORT', $KA, 'STORE', $KB ], [ 'TYPE', $KB ],
        [ 'SORT', $KA, 'LIMIT', 0, 0, 'STORE', $KB ], [ 'EXISTS', $KB ]);
    # the destination is read by the patterns, or is the key itself
    seq([ 'RPUSH', $KA, qw(1 2 3) ], [ 'MSET', 'w_1', 3, 'w_2', 2, 'w_3', 1 ],
        [ 'SORT', $KA, 'BY', 'w_*', 'STORE', 'w_2' ], [ 'TYPE', 'w_2' ],
        [ 'SORT', $KA, 'BY', 'w_*', 'GET', 'w_*' ],
        [ 'SORT', $KA, 'BY', 'w_*', 'STORE', $KA ], [ 'LRANGE', $KA, 0, -1 ]);
    # the key on one shard, errors and types
    seq([ 'SET', $KA, 'x' ], [ 'SORT', $KA, 'BY', 'w_*', 'STORE', $KB ],
        [ 'EXISTS', $KB ], [ 'SORT', $KA, 'LIMIT', 'x', 1, 'STORE', $KB ],
        [ 'RPUSH', $KC, 'a' ], [ 'SET', 'w_a', 'nan' ],
        [ 'SORT', $KC, 'BY', 'w_*', 'STORE', $KB ], [ 'EXISTS', $KB ],
        [ 'SORT', $KC, 'BY', 'w_*', 'GET', '#', 'ALPHA', 'STORE', $KB ],
        [ 'LRANGE', $KB, 0, -1 ]);
    # a sorted set gathered from another shard
    seq([ 'ZADD', $KB, 1, 'b', 2, 'a' ], [ 'SET', 'w_a', 1 ],
        [ 'SORT', $KB, 'BY', 'w_*' ], [ 'SORT', $KB, 'BY', 'nosort', 'DESC' ],
        [ 'SORT', $KB, 'BY', 'nosort', 'GET', 'w_*' ]);
    # a pipeline mixing local and cross-shard SORTs keeps reply order
    add('pipeline of SORTs over shards',
        [ 'RPUSH', $KA, qw(3 1 2) ], [ 'RPUSH', $KB, qw(c a b) ],
        [ 'MSET', 'w_1', 1, 'w_2', 2, 'w_3', 3, 'w_a', 3, 'w_b', 2, 'w_c', 1 ],
        (map { ([ 'SORT', $KA ], [ 'SORT', $KB, 'BY', 'w_*' ],
                [ 'SORT', $KA, 'BY', 'w_*', 'STORE', $KC ],
                [ 'LRANGE', $KC, 0, -1 ], [ 'SORT', $KB, 'ALPHA' ]) } 1 .. 20));
    $cases[-1][2] = 1;    # (see below)
}

# ------------------------------------------------- random runs

# Seeded random SORTs of lists, intsets and sorted sets of numbers, with
# random weights (some missing, some equal), every option drawn at random.
{
    my $seed = 20240611;
    my $rand = sub ($n) {
        $seed = ($seed * 1103515245 + 12345) % 2147483648;
        return int(($seed >> 8) % $n);
    };
    for my $run (1 .. 12) {
        my @steps;
        my $n = 1 + $rand->(60);
        my @e = map { $rand->(40) - 10 } 1 .. $n;
        my $kind = $run % 3;
        push @steps, $kind == 0 ? [ 'RPUSH', 'k', @e ]
                   : $kind == 1 ? [ 'SADD', 'k', @e ]
                   : [ 'ZADD', 'k', map { ($rand->(9), $_) } @e ];
        my %u = map { $_ => 1 } @e;
        my @ws = map { ("w_$_", $rand->(7)) } grep { $rand->(4) } sort keys %u;
        push @steps, [ 'MSET', @ws ] if @ws;
        my @os = map { ("o_$_", "o$_") } grep { $rand->(3) } sort keys %u;
        push @steps, [ 'MSET', @os ] if @os;
        for (1 .. 60) {
            my @c = ('SORT', 'k');
            my $alpha = $rand->(3) == 0;
            my $by = $rand->(4);
            # ALPHA ties among sorted-set members come in hash order
            $by = 0 if $kind == 2 && $alpha && $by != 3;
            push @c, 'BY', ('w_*', 'w_*', 'nosort')[ $by - 1 ] if $by;
            push @c, 'DESC' if $rand->(2);
            push @c, 'ALPHA' if $alpha;
            push @c, 'LIMIT', $rand->(12) - 2, $rand->(15) - 2 if $rand->(2);
            push @c, 'GET', ('#', 'o_*', 'w_*')[ $rand->(3) ] for 1 .. $rand->(3);
            if ($rand->(4) == 0) {
                push @steps, [ @c, 'STORE', 'dst' ], [qw(LRANGE dst 0 -1)];
            } else {
                push @steps, [@c];
            }
        }
        add("random run $run ($n elements, "
            . (qw(list set zset))[$kind] . ')', @steps);
    }
}

# The pipeline case above is sent in one write.
for my $c (@cases) {
    $c->[2] = $c->[2] ? [ pipeline => 1 ] : [];
}

Diff::each_server(sub ($d) {
    $d->case($_->[0], $_->[1], @{ $_->[2] }) for @cases;
});

done_testing;
