#!/usr/bin/perl
# The set commands against redis-server, byte for byte: SADD, SREM, SCARD,
# SISMEMBER, SMISMEMBER, SMEMBERS, SPOP, SRANDMEMBER, SMOVE, SINTER,
# SINTERCARD, SINTERSTORE, SUNION, SUNIONSTORE, SDIFF, SDIFFSTORE, SSCAN,
# and the encodings OBJECT ENCODING reports ("intset" while every member is
# a canonical integer and there are at most set-max-intset-entries of them,
# "hashtable" for good afterwards).
#
# What Redis itself leaves open is compared as such: a hashtable set lists
# in its dict's order, so those replies are compared as sets; SPOP and
# SRANDMEMBER pick at random, so their cases check what must hold (the
# count, members of the set, distinct when required, removed by SPOP) and
# compare that description. An intset lists in ascending order in both,
# and those replies are compared byte for byte.
#
# Keys are spread over hash slots, so over kevyd's shards: multi-key
# commands on keys of several shards take the cross-shard path. The last
# part is a seeded random walk (DIFF_SEED=N picks another seed,
# DIFF_SET_SECONDS bounds it) compared after every step.

use v5.36;
use lib 't/lib';
use Test::More;
use Kevyd qw(safety_alarm);
use Diff qw(parse vis);

safety_alarm(1500);

my @cases;
sub add ($name, @steps) { push @cases, [ $name, \@steps ] }

sub step_name ($s) {
    return join ' ', @$s if ref $s eq 'ARRAY';
    return join ' ', @{ $s->{cmd} } if $s->{cmd};
    return $s->{name} // '...';
}

# A case named after its commands.
sub seq (@steps) {
    add(join(' ; ', map { step_name($_) } @steps), @steps);
}

my $LMAX = '9223372036854775807';
my $LMIN = '-9223372036854775808';

# ------------------------------------------------------------- checks

# A reply with its arrays as sets (sorted), for hashtable orders.
# A command whose array reply is compared as a set.
sub U (@args) { Diff::unordered(@args) }

# The members of a set, sorted (undef-free): for code steps.
sub members ($c, $key) {
    my $r = parse($c->cmd('SMEMBERS', $key));
    return ref $r eq 'ARRAY' ? [ sort @$r ] : [];
}

sub hexlist (@l) { join ',', map { unpack 'H*', $_ } @l }

# Every member SSCAN returns over a whole iteration (duplicates allowed by
# SCAN are folded), sorted; compared between the servers.
sub scan_all ($key, @opts) {
    return { name => "SSCAN $key ... @opts (whole iteration)",
             code => sub ($c) {
        my ($cur, $calls, %seen) = ('0', 0);
        do {
            my $raw = $c->cmd('SSCAN', $key, $cur, @opts);
            my $r = parse($raw);
            return 'reply ' . vis($raw) unless ref $r eq 'ARRAY' && @$r == 2;
            $cur = $r->[0];
            $seen{$_}++ for @{ $r->[1] };
            return 'more than 100000 calls' if ++$calls > 100000;
        } while ($cur ne '0');
        return hexlist(sort keys %seen);
    } };
}

# SPOP key [count] on whatever the key holds, described by what must be
# true of it (and the encoding afterwards unless no_enc).
sub spop_check ($key, $count = undef, %o) {
    my @count = defined $count ? ($count) : ();
    return { name => "SPOP $key @count (checked)", code => sub ($c) {
        my @before = @{ members($c, $key) };
        my $ttl_before = parse($c->cmd('TTL', $key));
        my $raw = $c->cmd('SPOP', $key, @count);
        my $r = parse($raw);
        my @got;
        if (defined $count) {
            return 'reply ' . vis($raw) unless ref $r eq 'ARRAY';
            @got = @$r;
        } else {
            return 'reply ' . vis($raw) if ref $r;
            @got = defined $r ? ($r) : ();
        }
        my @after = @{ members($c, $key) };
        my (%in, %left, %g);
        $in{$_} = 1 for @before;
        $left{$_} = 1 for @after;
        my $distinct = (grep { $g{$_}++ } @got) ? 0 : 1;
        my $from = (grep { !$in{$_} } @got) ? 0 : 1;
        my $removed = (grep { $left{$_} } @got) ? 0 : 1;
        my $whole = @after + @got == @before ? 1 : 0;
        my $ttl = parse($c->cmd('TTL', $key));
        my $ttl_kept = $ttl == $ttl_before
            || ($ttl_before > 0 && abs($ttl - $ttl_before) <= 1) ? 1 : 0;
        $ttl_kept = 'gone' if $ttl == -2;
        my $enc = $o{no_enc} ? '' : ' enc=' . vis($c->cmd('OBJECT',
                                                          'ENCODING', $key));
        return "got=" . scalar(@got) . " distinct=$distinct from=$from "
             . "removed=$removed whole=$whole left=" . scalar(@after)
             . " ttl=$ttl_kept$enc";
    } };
}

# SRANDMEMBER key [count], described the same way; the set must not change.
sub srand_check ($key, $count = undef) {
    my @count = defined $count ? ($count) : ();
    return { name => "SRANDMEMBER $key @count (checked)", code => sub ($c) {
        my @before = @{ members($c, $key) };
        my $raw = $c->cmd('SRANDMEMBER', $key, @count);
        my $r = parse($raw);
        my @got;
        if (defined $count) {
            return 'reply ' . vis($raw) unless ref $r eq 'ARRAY';
            @got = @$r;
        } else {
            return 'reply ' . vis($raw) if ref $r;
            @got = defined $r ? ($r) : ();
        }
        my @after = @{ members($c, $key) };
        my (%in, %g);
        $in{$_} = 1 for @before;
        my $distinct = (grep { $g{$_}++ } @got) ? 0 : 1;
        my $from = (grep { !$in{$_} } @got) ? 0 : 1;
        my $same = hexlist(@before) eq hexlist(@after) ? 1 : 0;
        # A negative count draws with repetitions: they must show up when
        # there are more draws than members, and are a matter of chance
        # otherwise. Likewise, many draws must not all be one member.
        my $n = abs($count // 1);
        $distinct = 'chance' if ($count // 1) < 0 && $n <= @before;
        my $spread = $n < 20 || @before < 2 ? 'n/a'
                   : scalar(keys %g) > 1 ? 'many' : 'one';
        return "got=" . scalar(@got) . " distinct=$distinct from=$from "
             . "unchanged=$same spread=$spread";
    } };
}

# ------------------------------------------------------------- keys

# Keys on chosen shards: at 4 workers shard(k) = int(slot * 4 / 16384),
# at 2 workers that shard / 2. Q0 .. Q3 are on shards 0 .. 3 at 4 workers,
# so Q0 / Q2 and Q1 / Q3 are apart at 2 and 4 workers as well.
my @Q;
for my $i (0 .. 10000) {
    my $k = "q$i";
    my $s = Kevyd::key_shard($k, 4);
    $Q[$s] //= $k;
    last if 4 == grep { defined } @Q;
}
my ($Q0, $Q1, $Q2, $Q3) = @Q;

sub ints ($from, $to) { map { "$_" } $from .. $to }

# A hashtable set of the integers $from .. $to: made big enough to
# convert, then cut back (the conversion is one-way).
sub ht_ints ($key, $from, $to) {
    return (['SADD', $key, ints($from, $to), 'x'], ['SREM', $key, 'x']);
}

# -------------------------------------------------- SADD and encodings

seq([qw(SADD s a b c)], [qw(SCARD s)], U(qw(SMEMBERS s)), [qw(TYPE s)],
    [qw(OBJECT ENCODING s)]);
seq([qw(SADD s 3 1 2)], [qw(SMEMBERS s)], [qw(OBJECT ENCODING s)],
    [qw(SCARD s)]);
seq([qw(SADD s 3 1 2)], [qw(SADD s 2 3 4)], [qw(SMEMBERS s)]);
seq([qw(SADD s a a a)], [qw(SADD s a)], [qw(SCARD s)]);
seq([qw(SADD s 1 1 2 2)], [qw(SMEMBERS s)]);
seq([qw(SADD s 5)], [qw(SADD s 5)], [qw(SMEMBERS s)]);
seq(['SADD', 's', '-5', '100000', '-3000000000', '7', $LMAX, $LMIN, '0'],
    [qw(SMEMBERS s)], [qw(OBJECT ENCODING s)]);
seq([qw(SADD s 1 x)], [qw(OBJECT ENCODING s)], U(qw(SMEMBERS s)));
seq([qw(SADD s x 1)], [qw(OBJECT ENCODING s)], U(qw(SMEMBERS s)));
seq([qw(SADD s 1 2 3)], [qw(SADD s y)], [qw(OBJECT ENCODING s)],
    [qw(SREM s y)], [qw(OBJECT ENCODING s)], U(qw(SMEMBERS s)));

# Integer edge values: which make an intset, and how each is kept.
for my $v ('1', '01', '-0', '0', '-1', '00', '+1', ' 1', '1 ', '1e3',
           '0x10', '1.0', '1.5', '', '-', '+', $LMAX, $LMIN,
           '9223372036854775808', '-9223372036854775809',
           '18446744073709551616', '12345678901234567890', '0000000001',
           '-01', "1\0", "\x001") {
    add('SADD edge member ' . vis($v),
        ['SADD', 's', $v], [qw(OBJECT ENCODING s)], ['SMEMBERS', 's'],
        ['SISMEMBER', 's', $v], ['SADD', 't', '5', $v],
        [qw(OBJECT ENCODING t)], U(qw(SMEMBERS t)), ['SCARD', 't'],
        ['SREM', 't', $v], [qw(OBJECT ENCODING t)], ['SMEMBERS', 't']);
}
# A number and its non-canonical spellings are different members.
seq([qw(SADD s 1 01 +1 1.0)], [qw(SCARD s)], U(qw(SMEMBERS s)),
    [qw(SISMEMBER s 1)], [qw(SISMEMBER s 01)], [qw(SREM s 01)],
    U(qw(SMEMBERS s)));
seq([qw(SADD s 10 20)], [qw(SISMEMBER s 010)], [qw(SISMEMBER s 10.0)],
    [qw(SISMEMBER s 1e1)], [qw(SREM s 010 +10)], [qw(SCARD s)]);

# Binary members.
add('binary members', ['SADD', 's', "a\0b", "\r\n", "\0", '', "\xff\xfe",
                       "x\r\ny"],
    [qw(SCARD s)], U(qw(SMEMBERS s)), ['SISMEMBER', 's', "a\0b"],
    ['SISMEMBER', 's', 'a'], ['SISMEMBER', 's', ''],
    ['SMISMEMBER', 's', "\0", "\r\n", "a", "\0\0"],
    ['SREM', 's', "\r\n", "a\0b"], U(qw(SMEMBERS s)),
    [qw(OBJECT ENCODING s)]);
add('binary key', ['SADD', "k\0\r\n", 1, 2], ['SMEMBERS', "k\0\r\n"],
    ['TYPE', "k\0\r\n"], ['SCARD', "k\0"]);
add('a member of 100000 bytes', ['SADD', 's', 'm' x 100000, 'x'],
    ['SISMEMBER', 's', 'm' x 100000], ['SISMEMBER', 's', 'm' x 99999],
    U('SRANDMEMBER', 's', 5), ['SREM', 's', 'x'],
    ['SMEMBERS', 's']);
add('the empty member', ['SADD', 's', ''], ['SMEMBERS', 's'],
    [qw(OBJECT ENCODING s)], ['SISMEMBER', 's', ''], ['SREM', 's', ''],
    ['EXISTS', 's']);

# Growing past set-max-intset-entries (512).
add('SADD 512 integers: intset', ['SADD', 's', reverse ints(1, 512)],
    [qw(OBJECT ENCODING s)], [qw(SCARD s)], ['SMEMBERS', 's']);
add('SADD 513 integers at once: hashtable', ['SADD', 's', ints(1, 513)],
    [qw(OBJECT ENCODING s)], [qw(SCARD s)], U(qw(SMEMBERS s)));
add('SADD 512 then one more', ['SADD', 's', ints(1, 512)],
    [qw(SADD s 1 512)], [qw(OBJECT ENCODING s)], [qw(SADD s 0)],
    [qw(OBJECT ENCODING s)], [qw(SCARD s)], U(qw(SMEMBERS s)));
add('SADD one at a time up to 600',
    (map { (['SADD', 's', $_ * 7 % 600]) } 0 .. 599),
    [qw(OBJECT ENCODING s)], [qw(SCARD s)]);
add('encoding at 511, 512, 513 members',
    ['SADD', 's', ints(1, 511)], [qw(OBJECT ENCODING s)],
    [qw(SADD s 1000)], [qw(OBJECT ENCODING s)],
    [qw(SADD s 1001)], [qw(OBJECT ENCODING s)]);
add('a hashtable stays one when it shrinks', ['SADD', 's', ints(1, 600)],
    ['SREM', 's', ints(4, 600)], [qw(OBJECT ENCODING s)], [qw(SCARD s)],
    U(qw(SMEMBERS s)), [qw(SADD s 4)], [qw(OBJECT ENCODING s)]);
add('a non-integer converts a big intset',
    ['SADD', 's', ints(1, 500)], [qw(OBJECT ENCODING s)], [qw(SADD s a)],
    [qw(OBJECT ENCODING s)], [qw(SREM s a)], [qw(OBJECT ENCODING s)],
    [qw(SCARD s)], [qw(SISMEMBER s 250)]);
add('wide integers upgrade an intset',
    [qw(SADD s 1 2 3)], [qw(SADD s 70000)], [qw(SMEMBERS s)],
    [qw(SADD s -5000000000)], [qw(SMEMBERS s)], [qw(SREM s 70000)],
    [qw(SREM s -5000000000)], [qw(SMEMBERS s)], [qw(SISMEMBER s 2)],
    [qw(OBJECT ENCODING s)]);
add('SADD over many keys and slots',
    (map { ['SADD', "set:$_", $_, "m$_", $_ * 2] } 1 .. 100),
    (map { U('SMEMBERS', "set:$_") } 1 .. 100),
    (map { ['SCARD', "set:$_"] } 1 .. 100), ['DBSIZE']);

# Arity.
for my $c (['SADD'], [qw(SADD s)], ['SREM'], [qw(SREM s)], ['SCARD'],
           [qw(SCARD a b)], ['SISMEMBER'], [qw(SISMEMBER s)],
           [qw(SISMEMBER s a b)], ['SMISMEMBER'], [qw(SMISMEMBER s)],
           ['SMEMBERS'], [qw(SMEMBERS a b)], ['SPOP'], ['SRANDMEMBER'],
           ['SMOVE'], [qw(SMOVE a b)], [qw(SMOVE a b c d)], ['SINTER'],
           ['SINTERCARD'], [qw(SINTERCARD 1)], ['SINTERSTORE'],
           [qw(SINTERSTORE d)], ['SUNION'], ['SUNIONSTORE'],
           [qw(SUNIONSTORE d)], ['SDIFF'], ['SDIFFSTORE'],
           [qw(SDIFFSTORE d)], ['SSCAN'], [qw(SSCAN s)], [qw(sadd)],
           [qw(sAdD s)]) {
    seq([qw(SADD s a)], $c);
}

# -------------------------------------------------- wrong types

# A string "str" ({t}str shares a slot with {t}s), a list and a hash.
sub typed (@steps) {
    add(join(' ; ', map { step_name($_) } @steps),
        [qw(SET str v)], [qw(SET {t}str v)], [qw(SADD s 1 2 x)],
        [qw(SADD {t}s 1 2 3)], [qw(RPUSH list a)], [qw(HSET hash f v)],
        @steps);
}
for my $k (qw(str list hash)) {
    typed(['SADD', $k, 'a'], ['TYPE', $k]);
    typed(['SREM', $k, 'a']);
    typed(['SCARD', $k]);
    typed(['SISMEMBER', $k, 'a']);
    typed(['SMISMEMBER', $k, 'a', 'b']);
    typed(['SMEMBERS', $k]);
    typed(['SPOP', $k]);
    typed(['SPOP', $k, 2]);
    typed(['SPOP', $k, 0]);
    typed(['SRANDMEMBER', $k]);
    typed(['SRANDMEMBER', $k, 2]);
    typed(['SRANDMEMBER', $k, -2]);
    typed(['SRANDMEMBER', $k, 0]);
    typed(['SSCAN', $k, 0]);
    typed(['SINTER', $k]);
    typed(['SINTERCARD', 1, $k]);
    typed(['SUNION', $k]);
    typed(['SDIFF', $k]);
}
typed([qw(SINTER s str)]);
typed([qw(SINTER str s)]);
typed([qw(SINTER nosuch str)]);
typed([qw(SINTER s nosuch str)]);
typed([qw(SINTER {t}s {t}str)]);
typed([qw(SINTERCARD 2 nosuch str)]);
typed([qw(SINTERCARD 3 s nosuch list LIMIT 1)]);
typed([qw(SINTERSTORE d s str)], [qw(EXISTS d)]);
typed([qw(SINTERSTORE d nosuch str)], [qw(EXISTS d)]);
typed([qw(SINTERSTORE str s s)], [qw(TYPE str)], U(qw(SMEMBERS str)));
typed([qw(SINTERSTORE str nosuch)], [qw(TYPE str)], [qw(EXISTS str)]);
typed([qw(SINTERSTORE {t}str {t}s)], [qw(TYPE {t}str)]);
typed([qw(SUNION s str)]);
typed([qw(SUNION nosuch str)]);
typed([qw(SUNION s nosuch hash)]);
typed([qw(SUNIONSTORE d s str)], [qw(EXISTS d)]);
typed([qw(SUNIONSTORE str s)], [qw(TYPE str)], U(qw(SMEMBERS str)));
typed([qw(SUNIONSTORE list nosuch)], [qw(TYPE list)], [qw(EXISTS list)]);
typed([qw(SDIFF s str)]);
typed([qw(SDIFF nosuch str)]);
typed([qw(SDIFF str s)]);
typed([qw(SDIFFSTORE d s list)], [qw(EXISTS d)]);
typed([qw(SDIFFSTORE hash s)], [qw(TYPE hash)], U(qw(SMEMBERS hash)));
typed([qw(SDIFFSTORE hash s s)], [qw(TYPE hash)], [qw(EXISTS hash)]);
typed([qw(SMOVE str s 1)]);
typed([qw(SMOVE s str 1)], U(qw(SMEMBERS s)));
typed([qw(SMOVE s str nosuchmember)]);
typed([qw(SMOVE nosuch str 1)]);
typed([qw(SMOVE str str 1)]);
typed([qw(SMOVE s list x)], [qw(SCARD s)]);
typed([qw(GET s)], [qw(LPUSH s a)], [qw(HGET s f)], [qw(INCR s)]);
typed([qw(APPEND s x)], [qw(SCARD s)]);
typed([qw(SET s v)], [qw(TYPE s)], [qw(SADD s a)]);

# -------------------------------------------------- SREM SCARD SISMEMBER

seq([qw(SADD s a b c)], [qw(SREM s a)], U(qw(SMEMBERS s)), [qw(SREM s a)]);
seq([qw(SADD s a b c)], [qw(SREM s a b c)], [qw(EXISTS s)], [qw(TYPE s)]);
seq([qw(SADD s a b c)], [qw(SREM s a b c d e)], [qw(EXISTS s)]);
seq([qw(SADD s a b)], [qw(SREM s a a a)], U(qw(SMEMBERS s)));
seq([qw(SADD s 1 2 3)], [qw(SREM s 2)], [qw(SMEMBERS s)], [qw(SREM s x)],
    [qw(SREM s 02)], [qw(SMEMBERS s)]);
seq([qw(SADD s 1 2 3)], [qw(SREM s 1 2 3 4)], [qw(EXISTS s)]);
seq([qw(SREM nosuch a)]);
seq([qw(SADD s a)], [qw(EXPIRE s 100)], [qw(SREM s a)], [qw(TTL s)]);
seq([qw(SADD s a b)], [qw(EXPIRE s 100)], [qw(SREM s a)], [qw(TTL s)],
    [qw(SADD s c)], [qw(TTL s)]);
seq([qw(SCARD nosuch)]);
seq([qw(SADD s 1 2 3 a)], [qw(SCARD s)]);
seq([qw(SISMEMBER nosuch a)]);
seq([qw(SADD s a)], [qw(SISMEMBER s a)], [qw(SISMEMBER s b)],
    [qw(SISMEMBER s A)]);
seq([qw(SADD s 1 2)], [qw(SISMEMBER s 1)], [qw(SISMEMBER s a)],
    [qw(SISMEMBER s 3)], ['SISMEMBER', 's', $LMAX]);
seq([qw(SMISMEMBER nosuch a b c)]);
seq([qw(SADD s a 1)], [qw(SMISMEMBER s a b 1 2 a)]);
seq([qw(SADD s 1 2 3)], [qw(SMISMEMBER s 3 1 x 01)]);
seq([qw(SMEMBERS nosuch)]);
add('SMEMBERS of a 500-member intset', ['SADD', 's', map { $_ * 3 - 700 }
                                        1 .. 500], ['SMEMBERS', 's']);
add('SMEMBERS of a big hashtable', ['SADD', 's', map { "m$_" } 1 .. 2000],
    U(qw(SMEMBERS s)), [qw(SCARD s)]);

# -------------------------------------------------- SMOVE

seq([qw(SADD a 1 2)], [qw(SADD b 3)], [qw(SMOVE a b 1)], [qw(SMEMBERS a)],
    [qw(SMEMBERS b)]);
seq([qw(SADD a 1 2)], [qw(SMOVE a b 1)], [qw(SMEMBERS b)],
    [qw(OBJECT ENCODING b)]);
seq([qw(SADD a x y)], [qw(SMOVE a b x)], [qw(SMEMBERS b)],
    [qw(OBJECT ENCODING b)]);
seq([qw(SADD a 01 y)], [qw(SMOVE a b 01)], [qw(OBJECT ENCODING b)]);
seq([qw(SADD a 1 2)], [qw(SMOVE a b 3)], [qw(EXISTS b)],
    [qw(SMEMBERS a)]);
seq([qw(SMOVE nosuch b 1)], [qw(EXISTS b)]);
seq([qw(SADD a 1)], [qw(SMOVE a b 1)], [qw(EXISTS a)], [qw(SMEMBERS b)]);
seq([qw(SADD a 1)], [qw(SADD b 1)], [qw(SMOVE a b 1)], [qw(EXISTS a)],
    [qw(SMEMBERS b)]);
seq([qw(SADD a 1 2)], [qw(SMOVE a a 1)], [qw(SMOVE a a 3)],
    [qw(SMEMBERS a)]);
seq([qw(SADD a 1 2)], [qw(SADD b 3 4)], [qw(SMOVE a b x)]);
seq([qw(SADD a x 1)], [qw(SADD b 3 4)], [qw(SMOVE a b x)],
    [qw(OBJECT ENCODING b)], U(qw(SMEMBERS b)));
add('SMOVE into a full intset', ['SADD', 'b', ints(1, 512)],
    [qw(SADD a 1000 1)], [qw(SMOVE a b 1)], [qw(OBJECT ENCODING b)],
    [qw(SMOVE a b 1000)], [qw(OBJECT ENCODING b)], [qw(EXISTS a)],
    [qw(SCARD b)]);
seq([qw(SADD a 1 2)], [qw(EXPIRE a 100)], [qw(SADD b 5)],
    [qw(EXPIRE b 200)], [qw(SMOVE a b 1)], [qw(TTL a)], [qw(TTL b)]);
seq([qw(SADD a 1)], [qw(EXPIRE a 100)], [qw(SMOVE a b 1)], [qw(TTL b)],
    [qw(TTL a)]);
add('SMOVE binary member', ['SADD', 'a', "\0\r\n", 'z'],
    ['SMOVE', 'a', 'b', "\0\r\n"], ['SMEMBERS', 'b'], ['SMEMBERS', 'a']);
seq([qw(SADD {t}a 1 2)], [qw(SADD {t}b 3)], [qw(SMOVE {t}a {t}b 2)],
    [qw(SMEMBERS {t}a)], [qw(SMEMBERS {t}b)]);

# -------------------------------------------------- SINTER SINTERCARD

seq([qw(SADD a 1 2 3 4)], [qw(SADD b 2 3 4 5)], [qw(SADD c 3 4 5 6)],
    [qw(SINTER a b)], [qw(SINTER a b c)], [qw(SINTER c b a)],
    [qw(SINTER a)]);
seq([qw(SADD a x y z)], [qw(SADD b y z w)], U(qw(SINTER a b)),
    U(qw(SINTER b a)));
seq([qw(SADD a 1 2 3)], [qw(SINTER a nosuch)], [qw(SINTER nosuch a)],
    [qw(SINTER nosuch)]);
seq([qw(SADD a 1 2 3)], [qw(SINTER a a)], [qw(SINTER a a a)]);
seq([qw(SADD a 1 2)], [qw(SADD b 3 4)], [qw(SINTER a b)]);
# The smallest set is walked: an intset's order when it is an intset,
# the first of equal sizes in argument order.
add('SINTER walks the smallest set', ht_ints('big', 1, 100),
    ['SADD', 'small', reverse ints(50, 60)], [qw(SINTER big small)],
    [qw(SINTER small big)], [qw(OBJECT ENCODING big)]);
add('SINTER with equal sizes takes the first', ht_ints('h', 1, 30),
    ['SADD', 'i', ints(1, 30)], [qw(SINTER i h)], U(qw(SINTER h i)),
    [qw(SINTER i h i h)], [qw(SINTERCARD 2 i h)]);
seq([qw(SADD a 1 2 x)], [qw(SADD b 1 2 y)], U(qw(SINTER a b)));
add('SINTER of an intset and strings that look like numbers',
    [qw(SADD a 1 2 3)], [qw(SADD b 01 2 x 3.0 3)], [qw(SINTER a b)],
    [qw(SINTER b a)], [qw(SINTERCARD 2 a b)]);
add('SINTER of many keys over all slots',
    (map { ['SADD', "k$_", ints(1, 20 + $_)] } 1 .. 30),
    ['SINTER', map { "k$_" } 1 .. 30], ['SINTERCARD', 30, map { "k$_" } 1 .. 30]);

seq([qw(SADD a 1 2 3 4)], [qw(SADD b 2 3 4 5)], [qw(SINTERCARD 2 a b)],
    [qw(SINTERCARD 1 a)], [qw(SINTERCARD 2 a nosuch)],
    [qw(SINTERCARD 1 nosuch)]);
for my $l (qw(0 1 2 3 4 100), $LMAX) {
    seq([qw(SADD a 1 2 3 4)], [qw(SADD b 2 3 4 5)],
        ['SINTERCARD', 2, 'a', 'b', 'LIMIT', $l],
        ['SINTERCARD', 2, 'a', 'b', 'limit', $l]);
}
for my $bad (['SINTERCARD', 0, 'a'], ['SINTERCARD', -1, 'a'],
             ['SINTERCARD', 'abc', 'a'], ['SINTERCARD', '1.5', 'a'],
             ['SINTERCARD', '', 'a'], ['SINTERCARD', $LMAX, 'a'],
             ['SINTERCARD', '9223372036854775808', 'a'],
             ['SINTERCARD', 3, 'a', 'b'], ['SINTERCARD', 2, 'a'],
             [qw(SINTERCARD 1 a LIMIT)], [qw(SINTERCARD 1 a LIMIT -1)],
             [qw(SINTERCARD 1 a LIMIT abc)], [qw(SINTERCARD 1 a LIMIT 1.5)],
             ['SINTERCARD', 1, 'a', 'LIMIT', $LMIN],
             [qw(SINTERCARD 1 a FOO)], [qw(SINTERCARD 1 a LIMIT 1 FOO)],
             [qw(SINTERCARD 1 a LIMIT 1 LIMIT 2)], [qw(SINTERCARD 1 a b)],
             [qw(SINTERCARD 1 a LIMIT 1 LIMIT)],
             [qw(SINTERCARD 2 a LIMIT 1)], [qw(SINTERCARD 2 LIMIT 1)]) {
    seq([qw(SADD a 1 2 3)], [qw(SET str v)], $bad);
}
seq([qw(SET str v)], [qw(SINTERCARD 1 str LIMIT -1)]);
seq([qw(SET str v)], [qw(SINTERCARD 0 str)]);
seq([qw(SADD a x y 1)], [qw(SADD b x y 2)], [qw(SINTERCARD 2 a b)],
    [qw(SINTERCARD 2 a b LIMIT 1)]);

# SINTERSTORE
seq([qw(SADD a 1 2 3)], [qw(SADD b 2 3 4)], [qw(SINTERSTORE d a b)],
    [qw(SMEMBERS d)], [qw(OBJECT ENCODING d)]);
seq([qw(SADD a x 2 3)], [qw(SADD b x 3 4)], [qw(SINTERSTORE d a b)],
    U(qw(SMEMBERS d)), [qw(OBJECT ENCODING d)]);
add('SINTERSTORE of hashtables of integers makes an intset',
    ht_ints('a', 1, 20), ht_ints('b', 10, 30), [qw(SINTERSTORE d a b)],
    [qw(OBJECT ENCODING d)], [qw(SMEMBERS d)]);
add('SINTERSTORE of 600 common integers makes a hashtable',
    ['SADD', 'a', ints(1, 700)], ['SADD', 'b', ints(101, 800)],
    [qw(SINTERSTORE d a b)], [qw(OBJECT ENCODING d)], [qw(SCARD d)]);
seq([qw(SADD a 1 2)], [qw(SADD b 3 4)], [qw(SADD d x)],
    [qw(SINTERSTORE d a b)], [qw(EXISTS d)]);
seq([qw(SADD a 1 2)], [qw(SET d x)], [qw(SINTERSTORE d a nosuch)],
    [qw(EXISTS d)]);
seq([qw(SADD a 1 2)], [qw(SINTERSTORE d a nosuch)], [qw(EXISTS d)]);
seq([qw(SADD a 1 2)], [qw(SET d x)], [qw(SINTERSTORE d a)],
    [qw(TYPE d)], [qw(SMEMBERS d)]);
seq([qw(SADD a 1 2)], [qw(RPUSH d x)], [qw(SINTERSTORE d a)],
    [qw(TYPE d)]);
seq([qw(SADD a 1 2)], [qw(SADD d 9)], [qw(EXPIRE d 100)],
    [qw(SINTERSTORE d a)], [qw(TTL d)], [qw(SMEMBERS d)]);
seq([qw(SADD a 1 2 3)], [qw(SADD b 2 3)], [qw(SINTERSTORE a a b)],
    [qw(SMEMBERS a)]);
seq([qw(SADD a 1 2 3)], [qw(SINTERSTORE a a nosuch)], [qw(EXISTS a)]);
seq([qw(SADD a 1 2 3)], [qw(EXPIRE a 100)], [qw(SINTERSTORE a a)],
    [qw(TTL a)]);
seq([qw(SADD {t}a 1 2 3)], [qw(SADD {t}b 3)],
    [qw(SINTERSTORE {t}d {t}a {t}b)], [qw(SMEMBERS {t}d)]);

# -------------------------------------------------- SUNION SDIFF

seq([qw(SADD a 1 2 3)], [qw(SADD b 3 4 5)], [qw(SUNION a b)],
    [qw(SUNION b a)], [qw(SUNION a)], [qw(SUNION a nosuch b)]);
seq([qw(SUNION nosuch)], [qw(SUNION nosuch1 nosuch2)]);
seq([qw(SADD a x y)], [qw(SADD b 1 2)], U(qw(SUNION a b)));
seq([qw(SADD a 1 2)], [qw(SADD b 01 2)], U(qw(SUNION a b)),
    [qw(SUNIONSTORE d a b)], [qw(OBJECT ENCODING d)]);
add('SUNION of hashtables of integers lists in order',
    ht_ints('a', 1, 10), ht_ints('b', 5, 15), [qw(SUNION a b)],
    [qw(SUNIONSTORE d a b)], [qw(OBJECT ENCODING d)]);
add('SUNIONSTORE past 512 members', ['SADD', 'a', ints(1, 300)],
    ['SADD', 'b', ints(301, 600)], [qw(SUNIONSTORE d a b)],
    [qw(OBJECT ENCODING d)], [qw(SCARD d)], [qw(SUNIONSTORE e a)],
    [qw(OBJECT ENCODING e)]);
seq([qw(SADD a 1)], [qw(SET d x)], [qw(SUNIONSTORE d a)], [qw(TYPE d)]);
seq([qw(SET d x)], [qw(SUNIONSTORE d nosuch)], [qw(EXISTS d)]);
seq([qw(SADD a 1)], [qw(SADD d 2)], [qw(EXPIRE d 100)],
    [qw(SUNIONSTORE d a d)], [qw(SMEMBERS d)], [qw(TTL d)]);
seq([qw(SADD {t}a 1)], [qw(SADD {t}b x)], [qw(SUNIONSTORE {t}a {t}a {t}b)],
    U(qw(SMEMBERS {t}a)), [qw(OBJECT ENCODING {t}a)]);

seq([qw(SADD a 1 2 3 4)], [qw(SADD b 2)], [qw(SADD c 3 9)],
    [qw(SDIFF a b c)], [qw(SDIFF a c b)], [qw(SDIFF b a)],
    [qw(SDIFF a)]);
seq([qw(SADD a 1 2)], [qw(SDIFF nosuch a)], [qw(SDIFF a nosuch)],
    [qw(SDIFF a a)], [qw(SDIFF a nosuch a)]);
seq([qw(SADD a x y z)], [qw(SADD b y)], U(qw(SDIFF a b)),
    [qw(SDIFFSTORE d a b)], [qw(OBJECT ENCODING d)], U(qw(SMEMBERS d)));
seq([qw(SADD a 1 x)], [qw(SADD b x)], [qw(SDIFF a b)],
    [qw(SDIFFSTORE d a b)], [qw(OBJECT ENCODING d)]);
# Redis picks its algorithm by an estimate; with the second one the result
# held all of the first set, so it is a hashtable although small.
add('SDIFFSTORE by removal leaves a hashtable',
    ['SADD', 'a', ints(1, 600)], ['SADD', 'b', ints(1, 100)],
    ['SADD', 'c', ints(101, 200)], ['SADD', 'e', ints(201, 300)],
    [qw(SDIFFSTORE d a b c e)], [qw(OBJECT ENCODING d)], [qw(SCARD d)],
    U(qw(SDIFF a b c e)), [qw(SDIFFSTORE d2 a b)],
    [qw(OBJECT ENCODING d2)]);
add('SDIFFSTORE by filtering makes an intset',
    ['SADD', 'a', ints(1, 600)], ['SADD', 'b', ints(1, 500)],
    [qw(SDIFFSTORE d a b)], [qw(OBJECT ENCODING d)], [qw(SMEMBERS d)],
    [qw(SDIFF a b)]);
add('SDIFF of small intsets', ['SADD', 'a', ints(1, 50)],
    ['SADD', 'b', ints(1, 2)], ['SADD', 'c', ints(3, 4)],
    ['SADD', 'e', ints(5, 6)], ['SADD', 'f', ints(7, 8)],
    [qw(SDIFF a b c e f)], [qw(SDIFFSTORE d a b c e f)],
    [qw(OBJECT ENCODING d)]);
seq([qw(SADD a 1 2)], [qw(SADD b 1 2)], [qw(SET d x)],
    [qw(SDIFFSTORE d a b)], [qw(EXISTS d)]);
seq([qw(SADD a 1 2)], [qw(SDIFFSTORE a a a)], [qw(EXISTS a)]);
seq([qw(SADD a 1 2 3)], [qw(SADD b 2)], [qw(SDIFFSTORE a a b)],
    [qw(SMEMBERS a)]);

# -------------------------------------------------- SPOP

seq([qw(SPOP nosuch)]);
seq([qw(SPOP nosuch 3)], [qw(SPOP nosuch 0)]);
for my $n ('-1', 'abc', '1.5', '', $LMIN, '9223372036854775808', ' 1') {
    seq([qw(SADD s 1 2)], ['SPOP', 's', $n], ['SPOP', 'nosuch', $n],
        [qw(SCARD s)]);
}
seq([qw(SADD s 1 2)], [qw(SPOP s 1 2)], [qw(SPOP nosuch 1 2)],
    [qw(SPOP s 1 2 3)], [qw(SCARD s)]);
seq([qw(SADD s 1 2)], [qw(SPOP s 0)], [qw(SCARD s)]);
seq([qw(SADD s x)], [qw(SPOP s)], [qw(EXISTS s)], [qw(SPOP s)]);
seq([qw(SADD s 7)], [qw(SPOP s)], [qw(EXISTS s)]);
seq([qw(SADD s x)], [qw(SPOP s 1)], [qw(EXISTS s)]);
# The whole set goes back as SUNION would list it: in order for intsets.
seq([qw(SADD s 3 1 2)], [qw(SPOP s 3)], [qw(EXISTS s)]);
seq([qw(SADD s 3 1 2)], [qw(SPOP s 10)], [qw(EXISTS s)]);
seq(['SADD', 's', 3, 1, 2], ['SPOP', 's', $LMAX], [qw(EXISTS s)]);
seq([qw(SADD s a b c)], U(qw(SPOP s 3)), [qw(EXISTS s)]);
add('SPOP of a whole hashtable of integers lists in order',
    ht_ints('s', 1, 10), [qw(SPOP s 100)], [qw(EXISTS s)]);
seq([qw(SADD s a b c)], [qw(EXPIRE s 100)], U(qw(SPOP s 5)), [qw(TTL s)]);

for my $set ([ 'intset', [ 's', ints(1, 20) ] ],
             [ 'strings', [ 's', map { "m$_" } 1 .. 20 ] ],
             [ 'mixed', [ 's', ints(1, 10), map { "m$_" } 1 .. 10 ] ]) {
    my ($what, $sadd) = @$set;
    my %o = $what eq 'mixed' ? (no_enc => 1) : ();
    for my $n (undef, 1, 2, 3, 10, 16, 17, 19, 20, 21) {
        add("SPOP on 20 $what, count " . ($n // 'none'),
            ['SADD', @$sadd], spop_check('s', $n, %o), [qw(SCARD s)]);
    }
    add("SPOP on 20 $what until empty", ['SADD', @$sadd],
        (map { spop_check('s') } 1 .. 21), [qw(EXISTS s)]);
    add("SPOP on 20 $what with a TTL", ['SADD', @$sadd], [qw(EXPIRE s 1000)],
        spop_check('s', 2, %o), spop_check('s', 15, %o), [qw(TTL s)]);
}
# Popping most of a hashtable of integers keeps the rest in a new set,
# which is an intset again; popping a few leaves the hashtable.
add('SPOP most of a hashtable of 600 integers', ['SADD', 's', ints(1, 600)],
    spop_check('s', 550), [qw(OBJECT ENCODING s)], [qw(SCARD s)]);
add('SPOP a few of a hashtable of 600 integers', ['SADD', 's', ints(1, 600)],
    spop_check('s', 10), [qw(OBJECT ENCODING s)], [qw(SCARD s)]);
add('SPOP most of a hashtable of 2000 integers', ['SADD', 's', ints(1, 2000)],
    spop_check('s', 1000), spop_check('s', 900), [qw(SCARD s)]);
add('SPOP most of an intset', ['SADD', 's', ints(1, 500)],
    spop_check('s', 450), spop_check('s', 49), spop_check('s', 2),
    [qw(EXISTS s)]);
add('SPOP from 1000 strings', ['SADD', 's', map { "e$_" } 1 .. 1000],
    spop_check('s', 100), spop_check('s', 890), spop_check('s'),
    spop_check('s', 9), [qw(EXISTS s)]);

# -------------------------------------------------- SRANDMEMBER

seq([qw(SRANDMEMBER nosuch)], [qw(SRANDMEMBER nosuch 5)],
    [qw(SRANDMEMBER nosuch -5)], [qw(SRANDMEMBER nosuch 0)]);
for my $n ('abc', '1.5', '', $LMIN, '9223372036854775808', ' 1', '--1') {
    seq([qw(SADD s 1 2)], ['SRANDMEMBER', 's', $n],
        ['SRANDMEMBER', 'nosuch', $n]);
}
seq([qw(SADD s 1 2)], [qw(SRANDMEMBER s 1 2)],
    [qw(SRANDMEMBER nosuch 1 2)]);
seq([qw(SADD s 1 2)], [qw(SRANDMEMBER s 0)]);
seq([qw(SADD s x)], [qw(SRANDMEMBER s)], [qw(SRANDMEMBER s 1)],
    [qw(SRANDMEMBER s 5)], [qw(SRANDMEMBER s -3)], [qw(SCARD s)]);
seq([qw(SADD s 5)], [qw(SRANDMEMBER s -3)], [qw(SRANDMEMBER s -1)]);
seq([qw(SADD s 3 1 2)], [qw(SRANDMEMBER s 3)], [qw(SRANDMEMBER s 100)],
    ['SRANDMEMBER', 's', $LMAX]);
seq([qw(SADD s a b c)], U(qw(SRANDMEMBER s 3)), U(qw(SRANDMEMBER s 4)));
# (Unlike SPOP, Redis 7.0 lists the set itself here, not a copy.)
add('SRANDMEMBER of a whole hashtable of integers',
    ht_ints('s', 1, 10), U(qw(SRANDMEMBER s 10)), U(qw(SRANDMEMBER s 11)));
for my $set ([ 'intset', [ 's', ints(1, 30) ] ],
             [ 'strings', [ 's', map { "m$_" } 1 .. 30 ] ],
             [ 'big hashtable', [ 's', ints(1, 3000) ] ]) {
    my ($what, $sadd) = @$set;
    for my $n (undef, 1, 2, 5, 9, 10, 11, 20, 29, 30, 31, -1, -2, -30, -100,
               -1000) {
        add("SRANDMEMBER on $what, count " . ($n // 'none'),
            ['SADD', @$sadd], srand_check('s', $n));
    }
}

# -------------------------------------------------- SSCAN

seq([qw(SSCAN nosuch 0)], [qw(SSCAN nosuch 0 FOO)],
    [qw(SSCAN nosuch 0 COUNT 0)]);
seq([qw(SADD s 3 1 2)], [qw(SSCAN s 0)], [qw(SSCAN s 12345)],
    [qw(SSCAN s 0 COUNT 1)], [qw(SSCAN s 0 MATCH 1)],
    [qw(SSCAN s 0 MATCH [23] COUNT 1)], [qw(SSCAN s 0 MATCH *)],
    ['SSCAN', 's', 0, 'MATCH', '']);
add('SSCAN of a 512-member intset', ['SADD', 's', ints(1, 512)],
    [qw(SSCAN s 0)], [qw(SSCAN s 0 MATCH *7*)],
    [qw(SSCAN s 0 COUNT 5 MATCH 1?)]);
for my $cur ('', '-1', '+5', '007', '18446744073709551615', '-0',
             '-18446744073709551615', '0' x 100 . '1', "0\0junk") {
    seq([qw(SADD s 1 2)], ['SSCAN', 's', $cur], ['SSCAN', 'nosuch', $cur]);
}
for my $cur ('abc', ' 1', '1 ', '1.5', '-', '+', '18446744073709551616',
             '0x10', '1a', "\t1", '--1') {
    seq([qw(SADD s 1 2)], ['SSCAN', 's', $cur], ['SSCAN', 'nosuch', $cur]);
}
for my $o ([qw(COUNT 0)], [qw(COUNT -1)], [qw(COUNT abc)], [qw(COUNT 1.5)],
           ['COUNT'], ['MATCH'], [qw(TYPE string)], [qw(TYPE set)],
           ['FOO'], [qw(MATCH * FOO)], [qw(COUNT 10 COUNT 0)],
           [qw(MATCH a MATCH b)], [qw(COUNT 1 MATCH)], [qw(NOVALUES)],
           ['COUNT', $LMAX], ['COUNT', '9223372036854775808']) {
    seq([qw(SADD s 1 2 x)], U('SSCAN', 's', 0, @$o));
    seq([qw(SADD s 1 2)], ['SSCAN', 's', 0, @$o]);
}
seq([qw(SADD s a)], ['SSCAN', 's', 0, 'MATCH', 'a']);
seq([qw(SADD s a b)], ['SSCAN', 's', 0, 'MATCH', 'c']);
for my $opts ([], [qw(COUNT 1)], [qw(COUNT 3)], [qw(COUNT 1000)],
              [qw(MATCH m1*)], [qw(MATCH *5 COUNT 7)], [qw(MATCH nomatch)],
              ['MATCH', 'm[1-3]?']) {
    add("SSCAN a hashtable of 300, @$opts",
        ['SADD', 's', map { "m$_" } 1 .. 300], scan_all('s', @$opts));
}
add('SSCAN a hashtable of integers', ht_ints('s', 1, 100),
    scan_all('s'), scan_all('s', qw(COUNT 2 MATCH 1*)));
add('SSCAN binary members', ['SADD', 's', "a\0b", "\r\n", 'x'],
    scan_all('s'), scan_all('s', 'MATCH', "a\0*"));
seq([qw(SADD s a)], [qw(SSCAN s 0)]);

# -------------------------------------------------- with key commands

seq([qw(SADD s 1 2)], [qw(EXPIRE s 100)], [qw(SADD s 3)], [qw(TTL s)],
    [qw(SMEMBERS s)]);
seq([qw(SADD s 1 2)], [qw(DEL s)], [qw(EXISTS s)], [qw(SADD s x)],
    [qw(OBJECT ENCODING s)]);
seq([qw(SADD s 1 2)], [qw(RENAME s t)], [qw(SMEMBERS t)],
    [qw(OBJECT ENCODING t)], [qw(EXISTS s)]);
seq([qw(SADD s 1 2)], [qw(COPY s t)], [qw(SADD t 3)], [qw(SMEMBERS s)],
    [qw(SMEMBERS t)]);
seq([qw(SADD s 1 2)], [qw(MOVE s 1)], [qw(SELECT 1)], [qw(SMEMBERS s)],
    [qw(SELECT 0)], [qw(EXISTS s)]);
seq([qw(SELECT 3)], [qw(SADD s a 1)], U(qw(SMEMBERS s)),
    [qw(SINTERSTORE d s)], [qw(SCARD d)], [qw(SELECT 0)], [qw(EXISTS d)],
    [qw(DBSIZE)]);
seq([qw(SADD s a)], [qw(OBJECT REFCOUNT s)], [qw(OBJECT ENCODING s)],
    [qw(OBJECT IDLETIME s)]);
add('KEYS and SCAN TYPE set', (map { ['SADD', "s$_", 1] } 1 .. 20),
    [qw(SET str x)], U(qw(KEYS s*)), [qw(DBSIZE)], [qw(TYPE s3)]);

# Sets moved between shards keep their encoding, members and TTL.
for my $pair ([ $Q0, $Q2 ], [ $Q1, $Q3 ], [ $Q0, $Q1 ], [ $Q3, $Q0 ]) {
    my ($a, $b) = @$pair;
    add("RENAME an intset $a -> $b", ['SADD', $a, 3, 1, 2],
        ['EXPIRE', $a, 100], ['RENAME', $a, $b], ['SMEMBERS', $b],
        ['OBJECT', 'ENCODING', $b], ['TTL', $b], ['EXISTS', $a]);
    add("RENAME a hashtable of integers $a -> $b", ht_ints($a, 1, 5),
        ['RENAME', $a, $b], ['OBJECT', 'ENCODING', $b], U('SMEMBERS', $b),
        ['SADD', $b, 6], ['OBJECT', 'ENCODING', $b]);
    add("RENAME over a set $a -> $b", ['SADD', $a, 'x', 'y'],
        ['SADD', $b, 1], ['RENAME', $a, $b], U('SMEMBERS', $b),
        ['RENAMENX', $b, $a], ['SADD', $a, 'z'], ['RENAMENX', $b, $a],
        U('SMEMBERS', $a));
    add("COPY sets $a -> $b", ['SADD', $a, 1, 2, 'x'], ['COPY', $a, $b],
        U('SMEMBERS', $b), ['OBJECT', 'ENCODING', $b], ['SADD', $a, 3],
        ['SCARD', $b], ['COPY', $a, $b], ['COPY', $a, $b, 'REPLACE'],
        ['SCARD', $b], ['SADD', $a, 5], ['COPY', $a, $b, 'DB', 2],
        ['SELECT', 2], U('SMEMBERS', $b));
    add("COPY a big hashtable $a -> $b", ['SADD', $a, ints(1, 1000)],
        ['EXPIRE', $a, 200], ['COPY', $a, $b], ['SCARD', $b],
        ['TTL', $b], ['OBJECT', 'ENCODING', $b],
        U('SDIFF', $a, $b), U('SINTER', $b, $a));
    add("SMOVE $a -> $b", ['SADD', $a, 1, 2], ['SMOVE', $a, $b, 1],
        ['SMEMBERS', $a], ['SMEMBERS', $b], ['OBJECT', 'ENCODING', $b],
        ['SMOVE', $a, $b, 2], ['EXISTS', $a], ['SMEMBERS', $b],
        ['SMOVE', $b, $a, 'nosuch'], ['SMOVE', $b, $a, 2],
        ['SMEMBERS', $a], ['SMEMBERS', $b]);
    add("SMOVE string member $a -> $b", ['SADD', $a, 'x', 1],
        ['SADD', $b, 1, 2], ['EXPIRE', $b, 100], ['SMOVE', $a, $b, 'x'],
        ['OBJECT', 'ENCODING', $b], U('SMEMBERS', $b), ['TTL', $b],
        ['SMEMBERS', $a]);
    add("SMOVE wrong types $a -> $b", ['SADD', $a, 1], ['SET', $b, 'v'],
        ['SMOVE', $a, $b, 1], ['SMOVE', $b, $a, 1], ['SMEMBERS', $a],
        ['DEL', $a], ['SMOVE', $a, $b, 1], ['GET', $b]);
    add("SINTERSTORE over shards $a $b", ['SADD', $a, 1, 2, 3],
        ['SADD', $b, 2, 3, 4], ['SINTERSTORE', 'dst', $a, $b],
        ['SMEMBERS', 'dst'], ['SINTERSTORE', $a, $a, $b],
        ['SMEMBERS', $a], ['SINTERSTORE', $b, $a, 'nosuch'],
        ['EXISTS', $b], ['SINTER', $a, 'dst'],
        ['SINTERCARD', 2, $a, 'dst'], ['SINTERCARD', 3, $a, 'dst', $b]);
    add("SUNIONSTORE over shards $a $b", ['SADD', $a, 1, 2, 3],
        ['SADD', $b, 'x', 3], ['SUNIONSTORE', 'dst', $a, $b],
        U('SMEMBERS', 'dst'), ['OBJECT', 'ENCODING', 'dst'],
        ['SUNIONSTORE', $b, $a], ['SMEMBERS', $b],
        ['OBJECT', 'ENCODING', $b], ['SUNION', $a, $b, 'nosuch']);
    add("SDIFFSTORE over shards $a $b", ['SADD', $a, 1, 2, 3, 4],
        ['SADD', $b, 3], ['SDIFFSTORE', 'dst', $a, $b],
        ['SMEMBERS', 'dst'], ['SDIFFSTORE', $b, $a, $b],
        ['SMEMBERS', $b], ['SDIFFSTORE', $a, $a, $a], ['EXISTS', $a],
        ['SDIFF', $b, $a]);
    add("STORE over shards onto other types $a $b", ['SADD', $a, 1, 2],
        ['SET', $b, 'str'], ['EXPIRE', $b, 100],
        ['SUNIONSTORE', $b, $a], ['TYPE', $b], ['TTL', $b],
        ['SMEMBERS', $b], ['RPUSH', 'l', 1], ['SINTERSTORE', 'l', $a, $b],
        ['TYPE', 'l'], ['SDIFFSTORE', $b, $b, $a], ['EXISTS', $b],
        ['SET', $b, 'str'], ['SINTERSTORE', $b, $a, $b]);
    add("big STOREs over shards $a $b", ['SADD', $a, ints(1, 700)],
        ['SADD', $b, ints(300, 1000)], ['SINTERSTORE', 'i', $a, $b],
        ['OBJECT', 'ENCODING', 'i'], ['SCARD', 'i'],
        ['SDIFFSTORE', 'd', $a, $b], ['OBJECT', 'ENCODING', 'd'],
        ['SMEMBERS', 'd'], ['SUNIONSTORE', 'u', $a, $b], ['SCARD', 'u'],
        ['SDIFF', $b, 'u']);
}
add('SINTER and SUNION over four shards',
    ['SADD', $Q0, ints(1, 40)], ['SADD', $Q1, ints(10, 50)],
    ['SADD', $Q2, ints(20, 60)], ['SADD', $Q3, ints(30, 70), 'x'],
    ['SINTER', $Q0, $Q1, $Q2], U('SINTER', $Q0, $Q1, $Q2, $Q3),
    ['SINTERCARD', 4, $Q0, $Q1, $Q2, $Q3],
    ['SINTERCARD', 4, $Q0, $Q1, $Q2, $Q3, 'LIMIT', 3],
    ['SUNION', $Q0, $Q1, $Q2], U('SUNION', $Q3, $Q0),
    ['SDIFF', $Q2, $Q0, $Q1], U('SDIFF', $Q3, $Q2, $Q1, $Q0),
    ['SUNIONSTORE', $Q3, $Q0, $Q1, $Q2], ['OBJECT', 'ENCODING', $Q3],
    ['SMEMBERS', $Q3], ['SDIFFSTORE', $Q0, $Q3, $Q2, $Q1],
    ['SMEMBERS', $Q0], ['DBSIZE']);

# -------------------------------------------------- pipelines

push @cases, [ 'pipeline: 2000 SADD / SISMEMBER / SREM over 50 sets',
               [ map { (['SADD', "p:" . ($_ % 50), $_, "x$_"],
                        ['SISMEMBER', "p:" . ($_ * 7 % 50), $_],
                        ['SREM', "p:" . ($_ * 3 % 50), $_ - 1],
                        ['SCARD', "p:" . ($_ % 50)]) } 1 .. 2000 ],
               pipeline => 1 ];
push @cases, [ 'pipeline: SMOVE and SINTERSTORE chains',
               [ ['SADD', 'c0', ints(1, 100)],
                 map { (['SMOVE', "c" . ($_ - 1), "c$_", $_],
                        ['SINTERSTORE', "i$_", "c$_", 'c0'],
                        ['SCARD', "i$_"]) } 1 .. 100 ],
               pipeline => 1 ];

# -------------------------------------------------- random walk

# Seeded operations on a few keys (spread over shards), drawing members
# from a pool of integers big enough to cross 512 and some strings, each
# compared, then the touched keys' members (as sets) and encodings.
my $SEED = $ENV{DIFF_SEED} // 20240611;
my $SECONDS = $ENV{DIFF_SET_SECONDS} // 20;
my $STEPS_PER_CASE = 50;
my $MAX_CASES = 60;

{
    my $s = $SEED;
    $s %= 2147483648;
    sub rnd ($n) {    # an LCG in integers, the same on every platform
        $s = ($s * 1103515245 + 12345) % 2147483648;
        return int(($s >> 8) / 8388608 * $n);
    }
}

my @MKEYS = ('w:a', 'w:b', 'w:c', 'w:d', $Q0, $Q2);
my @STR = ((map { "s$_" } 1 .. 15), '01', '-0', '1e3', "a\0b", '',
           '9223372036854775808');

sub rkey () { $MKEYS[ rnd(scalar @MKEYS) ] }
sub rmember () {
    return $STR[ rnd(scalar @STR) ] if rnd(500) == 0;
    return rnd(10) == 0 ? ('-' . rnd(50)) : rnd(760);
}
sub rmembers ($max) { map { rmember() } 1 .. 1 + rnd($max) }
sub rkeys ($max) { map { rkey() } 1 .. 1 + rnd($max) }

sub random_op () {
    my $r = rnd(100);
    return ['SADD', rkey(), rmembers(60)] if $r < 40;
    return ['SREM', rkey(), rmembers(40)] if $r < 55;
    return ['SMOVE', rkey(), rkey(), rmember()] if $r < 62;
    return ['SINTERSTORE', rkey(), rkeys(3)] if $r < 66;
    return ['SUNIONSTORE', rkey(), rkeys(3)] if $r < 70;
    return ['SDIFFSTORE', rkey(), rkeys(4)] if $r < 75;
    return ['SINTER', rkeys(3)] if $r < 78;
    return ['SUNION', rkeys(3)] if $r < 81;
    return ['SDIFF', rkeys(4)] if $r < 84;
    if ($r < 87) {
        my @k = rkeys(3);
        return ['SINTERCARD', scalar(@k), @k,
                rnd(2) ? ('LIMIT', rnd(40)) : ()];
    }
    return ['SISMEMBER', rkey(), rmember()] if $r < 90;
    return ['SMISMEMBER', rkey(), rmembers(5)] if $r < 93;
    return ['SCARD', rkey()] if $r < 95;
    return ['DEL', rkey()] if $r < 98;
    return ['EXPIRE', rkey(), 1000];
}

# Keys a command may have changed.
sub touched ($op) {
    my ($c, @a) = @$op;
    return ($a[0]) if $c =~ /^(SADD|SREM|DEL|EXPIRE)$/;
    return ($a[0], $a[1]) if $c eq 'SMOVE';
    return ($a[0]) if $c =~ /STORE$/;
    return ();
}

my @walk;    # [name, steps] a case each, the first one flushing
{
    my $step = 0;
    for my $n (1 .. $MAX_CASES) {
        my @steps;
        for (1 .. $STEPS_PER_CASE) {
            my $op = random_op();
            $step++;
            push @steps, U(@$op);
            my %seen;
            for my $k (grep { !$seen{$_}++ } touched($op)) {
                push @steps, U('SMEMBERS', $k), ['OBJECT', 'ENCODING', $k],
                             { cmd => ['TTL', $k], check => Diff::near(1) };
            }
        }
        push @walk, [ "random walk (seed $SEED) steps "
                      . ($step - $STEPS_PER_CASE + 1) . "-$step", \@steps ];
    }
}

# -------------------------------------------------- run

# A kevyd and a redis-server both started with set-max-intset-entries.
sub with_limit ($limit, $workers) {
    my $redis = Kevyd::start_redis('--set-max-intset-entries', $limit);
    my $other = $ENV{DIFF_SELF}
        ? Kevyd::start_redis('--set-max-intset-entries', $limit)
        : Kevyd->new(conf => { 'worker-processes' => $workers,
                               'set-max-intset-entries' => $limit })->start;
    return bless { redis => $redis, kevyd => $other,
                   label => "w=$workers max=$limit",
                   self => !!$ENV{DIFF_SELF} }, 'Diff';
}

my @limit_cases = (
    [ 'limit: SADD up to and past it',
      [ [qw(SADD s 1 2 3 4)], [qw(OBJECT ENCODING s)], [qw(SADD s 5)],
        [qw(OBJECT ENCODING s)], U(qw(SMEMBERS s)), [qw(SREM s 5)],
        [qw(OBJECT ENCODING s)] ] ],
    [ 'limit: STOREs', [ [qw(SADD a 1 2 3 4)], [qw(SADD b 5 6 7 8)],
        [qw(SUNIONSTORE u a b)], [qw(OBJECT ENCODING u)],
        [qw(SINTERSTORE i a a)], [qw(OBJECT ENCODING i)],
        [qw(SDIFFSTORE d u b)], [qw(OBJECT ENCODING d)], U(qw(SMEMBERS d)),
        [qw(SMOVE b a 5)], [qw(OBJECT ENCODING a)], [qw(SMOVE b n 6)],
        [qw(OBJECT ENCODING n)] ] ],
    [ 'limit: SPOP and SRANDMEMBER whole sets',
      [ [qw(SADD a 1 2 3 4)], U(qw(SRANDMEMBER a 10)), ht_ints('h', 1, 3),
        U(qw(SPOP h 3)), [qw(OBJECT ENCODING a)],
        [qw(CONFIG GET set-max-intset-entries)] ] ],
);

Diff::each_server(sub ($d) {
    $d->cases(@cases);
    my $deadline = time + $SECONDS;
    for my $w (@walk) {
        last if time > $deadline;
        $d->case(@$w, flush => $w == $walk[0] ? 1 : 0);
    }
    # The same walk shows kevyd and redis agree from a flushed start.
    my $w = ($d->label =~ /w=(\d+)/)[0] // 1;
    for my $limit (4, 0) {
        my $l = with_limit($limit, $w);
        $l->cases(@limit_cases);
        $l->kevyd->stop;
        $l->redis->stop;
    }
});

# set-max-intset-entries is live on reload, in every worker: kevyd alone.
if (!$ENV{DIFF_SELF} && -x Kevyd::binary()) {
    my $k = Kevyd->new(conf => { 'worker-processes' => 2 })->start;
    my $c = $k->conn;
    my @keys = ($Q0, $Q2);    # one on each worker
    $c->cmd('SADD', $_, 1 .. 5) for @keys;
    my $off = $k->log_size;
    $k->rewrite_conf('set-max-intset-entries' => 4);
    ok($k->signal('HUP'), 'reload: HUP sent (set-max-intset-entries 4)');
    ok($k->wait_log(qr/configuration reloaded/, 5, $off),
       'reload: configuration reloaded');
    is($c->cmd(qw(CONFIG GET set-max-intset-entries)),
       "*2\r\n\$22\r\nset-max-intset-entries\r\n\$1\r\n4\r\n",
       'reload: CONFIG GET shows 4');
    for my $key (@keys) {
        is($c->cmd('OBJECT', 'ENCODING', $key), "\$6\r\nintset\r\n",
           "reload: $key keeps its encoding");
        $c->cmd('SADD', "{$key}new", 1 .. 5);
        is($c->cmd('OBJECT', 'ENCODING', "{$key}new"),
           "\$9\r\nhashtable\r\n", "reload: a new 5-member set on "
           . "${key}'s worker is a hashtable");
        $c->cmd('SADD', $key, 6);
        is($c->cmd('OBJECT', 'ENCODING', $key), "\$9\r\nhashtable\r\n",
           "reload: $key converts when it next grows");
    }
    $k->stop;
}

done_testing;
