#!/usr/bin/perl
# The hash commands against redis-server, byte for byte: HSET, HSETNX, HGET,
# HMGET, HMSET, HDEL, HEXISTS, HLEN, HSTRLEN, HKEYS, HVALS, HGETALL,
# HINCRBY, HINCRBYFLOAT, HRANDFIELD, HSCAN; the listpack and hashtable
# encodings and the conversion between them (OBJECT ENCODING); wrong types;
# TYPE, SCAN TYPE, COPY, RENAME, DEL and EXPIRE on hashes, with keys on
# different shards; then a seeded random sequence of commands compared
# after every step.
#
# Where Redis's reply depends on its hash function or its random numbers
# (the order of a "hashtable" hash, HRANDFIELD, HSCAN of a big hash), the
# step checks what is deterministic: the same elements, the right counts.

use v5.36;
use lib 't/lib';
use Test::More;
use Kevyd qw(safety_alarm);
use Diff qw(parse vis);

safety_alarm(900);

my @cases;
sub add ($name, @steps) { push @cases, [ $name, \@steps ] }

# A case named after its commands.
sub seq (@steps) {
    add(join(' ; ', map { ref $_ eq 'ARRAY' ? join(' ', @$_) : '...' }
                    @steps), @steps);
}

my $LMAX = '9223372036854775807';
my $LMIN = '-9223372036854775808';

# ---------------------------------------------------------------- checks

# An array reply as a sorted list (for "hashtable" hashes).
sub sorted ($raw) {
    my $a = parse($raw);
    return ref $a eq 'ARRAY' ? join("\n", map { vis($_) } sort @$a)
                             : 'not an array: ' . vis($raw);
}
sub as_set ($args) {
    return { cmd => $args, check => sub ($k, $r) { sorted($k) eq sorted($r) } };
}

# A flat array of field, value pairs as a sorted list of pairs.
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

# The hash "h" of the fields f1 .. fn (values v1 .. vn), in one HSET.
sub fill ($key, $n, $fp = 'f', $vp = 'v') {
    return ['HSET', $key, map { ("$fp$_", "$vp$_") } 1 .. $n];
}

# Two (or more) key names on different shards at 2 and at 4 workers:
# shards 0 and 3 of 4 (so 0 and 1 of 2), then 1 and 2.
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

# ---------------------------------------------------------------- HSET, HGET

seq([qw(HSET h f v)], [qw(HGET h f)], [qw(HGETALL h)], [qw(HLEN h)]);
seq([qw(HSET h a 1 b 2 c 3)], [qw(HGETALL h)], [qw(HKEYS h)], [qw(HVALS h)]);
seq([qw(HSET h a 1)], [qw(HSET h a 2)], [qw(HGET h a)], [qw(HSET h a 2 b 3)],
    [qw(HGETALL h)]);
seq([qw(HSET h a 1 a 2 a 3)], [qw(HGETALL h)], [qw(HLEN h)]);
seq([qw(HSET h a 1 b 2 a 3)], [qw(HGETALL h)]);
seq([qw(HSET h a 1 b)], [qw(EXISTS h)]);
seq([qw(HSET h a)]);
seq([qw(HSET h)]);
seq(['HSET']);
seq([qw(HSET h a 1 b 2 c)], [qw(HGETALL h)]);
seq([qw(hset h a 1)], [qw(HgEt h a)]);
seq([qw(HGET nosuch f)], [qw(HGET)], [qw(HGET h)], [qw(HGET h a b)]);
seq([qw(HSET h a 1)], [qw(HGET h b)], [qw(HGET h A)]);
seq(['HSET', 'h', '', ''], ['HGET', 'h', ''], ['HGETALL', 'h'],
    ['HSTRLEN', 'h', ''], ['HEXISTS', 'h', '']);
seq(['HSET', '', 'f', 'v'], ['HGET', '', 'f'], ['TYPE', '']);
add('binary fields and values',
    ['HSET', 'h', "f\0\r\n", "v\0\r\n\xff", "\0", "\r\n", "f\0", 'short'],
    ['HGET', 'h', "f\0\r\n"], ['HGET', 'h', "\0"], ['HGET', 'h', "f\0"],
    ['HGET', 'h', 'f'], ['HGETALL', 'h'], ['HSTRLEN', 'h', "f\0\r\n"],
    ['HDEL', 'h', "\0"], ['HGETALL', 'h']);
add('binary key name', ['HSET', "k\0\r\n", 'f', 'v'],
    ['HGETALL', "k\0\r\n"], ['HGETALL', 'k'], ['TYPE', "k\0\r\n"]);
add('a value of 100000 bytes', ['HSET', 'h', 'f', 'x' x 100000],
    ['HGET', 'h', 'f'], ['HSTRLEN', 'h', 'f'], ['OBJECT', 'ENCODING', 'h']);
add('integers and floats keep their text',
    ['HSET', 'h', map { ("k$_", $_) } 0, 1, -1, '01', '+1', '-0', '1.0',
     '1e3', $LMAX, $LMIN, '9223372036854775808', ' 1', '0x10', '1.5'],
    ['HGETALL', 'h'], ['HVALS', 'h']);
add('HSET 200 keys over all slots',
    (map { ['HSET', "key:$_", 'f', $_] } 1 .. 200),
    (map { ['HGET', "key:$_", 'f'] } 1 .. 200), ['DBSIZE']);

# ---------------------------------------------------------------- HMSET, HSETNX

seq([qw(HMSET h a 1 b 2)], [qw(HGETALL h)], [qw(HMSET h a 3)],
    [qw(HGETALL h)]);
seq([qw(HMSET h a 1 b)], [qw(HMSET h a)], [qw(EXISTS h)]);
seq([qw(HSETNX h a 1)], [qw(HSETNX h a 2)], [qw(HGET h a)],
    [qw(HSETNX h b 3)], [qw(HGETALL h)]);
seq([qw(HSETNX h a)], [qw(HSETNX h a 1 2)], [qw(EXISTS h)]);
seq(['HSETNX', 'h', '', ''], ['HGETALL', 'h']);

# ---------------------------------------------------------------- HMGET

seq([qw(HSET h a 1 b 2)], [qw(HMGET h a b c a)], [qw(HMGET nosuch a b)],
    [qw(HMGET h)], [qw(HMGET h c)]);

# ---------------------------------------------------------------- HDEL

seq([qw(HSET h a 1 b 2 c 3)], [qw(HDEL h a)], [qw(HGETALL h)],
    [qw(HDEL h a)], [qw(HDEL h b c d)], [qw(EXISTS h)], [qw(HLEN h)]);
seq([qw(HSET h a 1 b 2)], [qw(HDEL h a a a)], [qw(HGETALL h)]);
seq([qw(HSET h a 1 b 2)], [qw(HDEL h a b a b)], [qw(EXISTS h)], ['DBSIZE']);
seq([qw(HDEL nosuch a)], [qw(HDEL h)], ['HDEL']);
seq([qw(HSET h a 1 b 2 c 3 d 4)], [qw(HDEL h b)], [qw(HSET h e 5 b 6)],
    [qw(HGETALL h)]);
seq([qw(HSET h a 1 EX 100)], [qw(HGETALL h)]);
seq([qw(HSET h a 1)], [qw(EXPIRE h 100)], [qw(HDEL h a)], [qw(TTL h)],
    [qw(HSET h a 1)], [qw(TTL h)]);

# ---------------------------------------------------------------- HEXISTS, HLEN, HSTRLEN

seq([qw(HSET h a 1 b 22)], [qw(HEXISTS h a)], [qw(HEXISTS h c)],
    [qw(HEXISTS nosuch a)], [qw(HEXISTS h)], [qw(HLEN h)], [qw(HLEN nosuch)],
    [qw(HLEN h x)], [qw(HSTRLEN h a)], [qw(HSTRLEN h b)], [qw(HSTRLEN h c)],
    [qw(HSTRLEN nosuch a)], [qw(HSTRLEN h)]);
seq(['HSET', 'h', 'i', 12345, 'n', -1, 'big', $LMAX], ['HSTRLEN', 'h', 'i'],
    ['HSTRLEN', 'h', 'n'], ['HSTRLEN', 'h', 'big']);

# ---------------------------------------------------------------- HKEYS, HVALS, HGETALL

seq([qw(HKEYS nosuch)], [qw(HVALS nosuch)], [qw(HGETALL nosuch)],
    [qw(HKEYS)], [qw(HVALS h x)], [qw(HGETALL h x)]);
add('HGETALL keeps insertion order in a listpack', fill('h', 100),
    ['HDEL', 'h', 'f50', 'f1'], ['HSET', 'h', 'f1', 'again', 'new', 'x'],
    ['HGETALL', 'h'], ['HKEYS', 'h'], ['HVALS', 'h']);
add('HGETALL of a hashtable (as a set)', fill('h', 700),
    as_pairs(['HGETALL', 'h']), as_set(['HKEYS', 'h']),
    as_set(['HVALS', 'h']), ['HLEN', 'h']);

# ---------------------------------------------------------------- HINCRBY

seq([qw(HINCRBY h f 1)], [qw(HINCRBY h f 10)], [qw(HINCRBY h f -100)],
    [qw(HGET h f)], [qw(HINCRBY h f 0)]);
seq([qw(HSET h f 5)], [qw(HINCRBY h f abc)], [qw(HINCRBY h f 1.5)],
    ['HINCRBY', 'h', 'f', ''], ['HINCRBY', 'h', 'f', ' 1'],
    ['HINCRBY', 'h', 'f', '+1'], ['HINCRBY', 'h', 'f', '01'],
    ['HINCRBY', 'h', 'f', '9223372036854775808'], [qw(HGET h f)]);
for my $v ('abc', '1.5', '', ' 1', '01', '+1', '-0', '1e3',
           '9223372036854775808', "1\0") {
    add("HINCRBY on the value " . vis($v), ['HSET', 'h', 'f', $v],
        ['HINCRBY', 'h', 'f', 1], ['HGET', 'h', 'f']);
}
seq(['HSET', 'h', 'f', $LMAX], ['HINCRBY', 'h', 'f', 1], ['HINCRBY', 'h', 'f', 0],
    ['HINCRBY', 'h', 'f', -1], ['HGET', 'h', 'f']);
seq(['HSET', 'h', 'f', $LMIN], ['HINCRBY', 'h', 'f', -1],
    ['HINCRBY', 'h', 'f', $LMAX], ['HGET', 'h', 'f']);
seq(['HINCRBY', 'h', 'f', $LMIN], ['HINCRBY', 'h', 'f', -1],
    ['HINCRBY', 'h', 'g', $LMAX], ['HINCRBY', 'h', 'g', 1], ['HGETALL', 'h']);
seq([qw(HINCRBY h f)], [qw(HINCRBY h f 1 2)], [qw(HINCRBY nosuch f abc)],
    [qw(EXISTS nosuch)]);
add('HINCRBY a field of 65 bytes converts', [qw(HSET h a 1)],
    ['HINCRBY', 'h', 'x' x 65, 1], ['OBJECT', 'ENCODING', 'h'],
    ['HGET', 'h', 'x' x 65]);
add('HINCRBY a field of 64 bytes keeps the listpack', [qw(HSET h a 1)],
    ['HINCRBY', 'h', 'x' x 64, 1], ['OBJECT', 'ENCODING', 'h']);

# ---------------------------------------------------------------- HINCRBYFLOAT

seq([qw(HINCRBYFLOAT h f 1.5)], [qw(HINCRBYFLOAT h f 0.1)],
    [qw(HINCRBYFLOAT h f -3)], [qw(HGET h f)]);
for my $incr ('1', '-1', '0', '1.5', '0.1', '1e3', '1E-3', '-0', '3.0e2',
              '.5', '5.', '1e308', '1e-320', '10.50', '0x10', 'inf', '-inf',
              'nan', 'abc', '', ' 1', '1 ', '1e400', '+1.5',
              '123456789012345678901234567890') {
    add("HINCRBYFLOAT by " . vis($incr), [qw(HSET h f 10)],
        ['HINCRBYFLOAT', 'h', 'f', $incr], ['HGET', 'h', 'f'],
        ['HINCRBYFLOAT', 'h', 'new', $incr], as_pairs(['HGETALL', 'h']));
}
for my $v ('abc', '1.5', '', ' 1', '1e3', '0x10', 'inf', '-inf', 'nan',
           '1.7e308', "1\0", '5.') {
    add("HINCRBYFLOAT on the value " . vis($v), ['HSET', 'h', 'f', $v],
        ['HINCRBYFLOAT', 'h', 'f', '1.5'], ['HGET', 'h', 'f']);
}
seq([qw(HSET h f 1.7e308)], [qw(HINCRBYFLOAT h f 1.7e308)], [qw(HGET h f)],
    [qw(OBJECT ENCODING h)]);
seq([qw(HINCRBYFLOAT h f 1e100)], [qw(OBJECT ENCODING h)], [qw(HGET h f)]);
seq([qw(HINCRBYFLOAT h f 1e40)], [qw(OBJECT ENCODING h)]);
seq([qw(HINCRBYFLOAT h f)], [qw(HINCRBYFLOAT h f 1 2)],
    [qw(HINCRBYFLOAT nosuch f abc)], [qw(EXISTS nosuch)]);
seq([qw(HSET h f 1)], [qw(HINCRBY h f 1)], [qw(HINCRBYFLOAT h f 1)],
    [qw(HINCRBY h f 1)], [qw(HINCRBYFLOAT h f 0.5)], [qw(HINCRBY h f 1)]);

# ---------------------------------------------------------------- encodings

# Redis 7.0's default hash-max-listpack-entries is 512.
add('512 fields: listpack; 513: hashtable', fill('h', 512),
    ['OBJECT', 'ENCODING', 'h'], ['HSET', 'h', 'f1', 'again'],
    ['OBJECT', 'ENCODING', 'h'], ['HSET', 'h', 'f513', 'v'],
    ['OBJECT', 'ENCODING', 'h'], ['HLEN', 'h'],
    ['HDEL', 'h', map { "f$_" } 1 .. 500], ['OBJECT', 'ENCODING', 'h'],
    as_pairs(['HGETALL', 'h']));
add('513 fields in one HSET', fill('h', 513), ['OBJECT', 'ENCODING', 'h'],
    ['HLEN', 'h']);
add('128 and 129 fields stay listpack', fill('h', 128),
    ['OBJECT', 'ENCODING', 'h'], ['HSET', 'h', 'x', 1],
    ['OBJECT', 'ENCODING', 'h'], ['HGETALL', 'h']);
add('one by one to 513 fields',
    (map { ['HSETNX', 'h', "f$_", $_] } 1 .. 513),
    ['OBJECT', 'ENCODING', 'h'], ['HGET', 'h', 'f77']);
add('HINCRBY a new field past 512', fill('h', 512), ['HINCRBY', 'h', 'n', 1],
    ['OBJECT', 'ENCODING', 'h']);
add('HINCRBYFLOAT a new field past 512', fill('h', 512),
    ['HINCRBYFLOAT', 'h', 'n', 1.5], ['OBJECT', 'ENCODING', 'h']);
for my $len (64, 65) {
    add("a value of $len bytes", ['HSET', 'h', 'a', '1'],
        ['HSET', 'h', 'b', 'x' x $len], ['OBJECT', 'ENCODING', 'h'],
        ['HDEL', 'h', 'b'], ['OBJECT', 'ENCODING', 'h'],
        as_pairs(['HGETALL', 'h']));
    add("a field of $len bytes", ['HSET', 'h', 'y' x $len, 'v'],
        ['OBJECT', 'ENCODING', 'h'], ['HGET', 'h', 'y' x $len]);
    add("a new hash with a value of $len bytes, many fields",
        ['HSET', 'h', 'a', 1, 'b', 'x' x $len, 'c', 3],
        ['OBJECT', 'ENCODING', 'h']);
}
add('HSETNX on an existing field with a long value does not convert',
    [qw(HSET h a 1)], ['HSETNX', 'h', 'a', 'x' x 65],
    ['OBJECT', 'ENCODING', 'h'], ['HGET', 'h', 'a']);
add('HSETNX with a long field converts', [qw(HSET h a 1)],
    ['HSETNX', 'h', 'z' x 100, 'v'], ['OBJECT', 'ENCODING', 'h']);
add('HSET updating a field with a long value', [qw(HSET h a 1 b 2)],
    ['HSET', 'h', 'a', 'q' x 70], ['OBJECT', 'ENCODING', 'h'],
    ['HSET', 'h', 'a', 'short'], ['OBJECT', 'ENCODING', 'h'],
    as_pairs(['HGETALL', 'h']));
add('HMSET with one long argument', ['HMSET', 'h', 'a', 1, 'b', 'x' x 65],
    ['OBJECT', 'ENCODING', 'h']);
add('a hashtable hash: every command',
    fill('h', 600), ['HSET', 'h', 'f1', 'new', 'g', 'x'],
    ['HGET', 'h', 'f1'], ['HGET', 'h', 'f600'], ['HGET', 'h', 'nope'],
    ['HMGET', 'h', 'f3', 'nope', 'g'], ['HEXISTS', 'h', 'f9'],
    ['HSTRLEN', 'h', 'f10'], ['HLEN', 'h'], ['HDEL', 'h', 'f1', 'f2', 'zz'],
    ['HSETNX', 'h', 'f3', 'x'], ['HSETNX', 'h', 'f1', 'back'],
    ['HINCRBY', 'h', 'n', 5], ['HINCRBYFLOAT', 'h', 'n', 1.5],
    ['HINCRBY', 'h', 'f5', 1], ['HLEN', 'h'], as_pairs(['HGETALL', 'h']));
add('a hashtable hash emptied by HDEL', fill('h', 520),
    ['HDEL', 'h', map { "f$_" } 1 .. 520], ['EXISTS', 'h'], ['HLEN', 'h']);

# ---------------------------------------------------------------- HRANDFIELD

# Fields of the test's hashes, to check random replies against.
my %small = map { ("f$_" => "v$_") } 1 .. 5;
my %mid = map { ("f$_" => "v$_") } 1 .. 200;
my %big = map { ("f$_" => "v$_") } 1 .. 600;

# HRANDFIELD h count [WITHVALUES] against the hash %$h: how many, whether
# distinct, and that every field (and value) belongs.
sub rand_check ($h, $count, $withvalues) {
    return sub ($k, $r) {
        my $a = parse($k);
        return 0 unless ref $a eq 'ARRAY';
        my $n = keys %$h;
        my $want = $count < 0 ? -$count : ($count > $n ? $n : $count);
        return 0 unless @$a == $want * ($withvalues ? 2 : 1);
        my %seen;
        for (my $i = 0; $i < @$a; $i += $withvalues ? 2 : 1) {
            my $f = $a->[$i];
            return 0 unless exists $h->{$f};
            return 0 if $withvalues && $a->[$i + 1] ne $h->{$f};
            return 0 if $count > 0 && $seen{$f}++;
        }
        return 1;
    };
}
sub randfield ($key, $h, $count, $withvalues = 0) {
    my @cmd = ('HRANDFIELD', $key, $count, $withvalues ? 'WITHVALUES' : ());
    return { cmd => \@cmd, check => rand_check($h, $count, $withvalues) };
}

for my $count (1, 2, 4, 5, 6, 100, -1, -3, -5, -20) {
    for my $wv (0, 1) {
        add("HRANDFIELD small $count" . ($wv ? ' WITHVALUES' : ''),
            fill('h', 5), randfield('h', \%small, $count, $wv));
        add("HRANDFIELD listpack of 200, $count" . ($wv ? ' WITHVALUES' : ''),
            fill('h', 200), randfield('h', \%mid, $count, $wv));
        add("HRANDFIELD big $count" . ($wv ? ' WITHVALUES' : ''),
            fill('h', 600), randfield('h', \%big, $count, $wv));
    }
}
for my $count (150, 199, 200, 300, 599, 600, 1000) {
    add("HRANDFIELD big $count WITHVALUES", fill('h', 600),
        randfield('h', \%big, $count, 1));
}
add('HRANDFIELD count >= size of a listpack of 200 (in order)',
    fill('h', 200), [qw(HRANDFIELD h 200 WITHVALUES)], [qw(HRANDFIELD h 201)]);
add('HRANDFIELD count >= size returns the listpack in order', fill('h', 5),
    [qw(HRANDFIELD h 5)], [qw(HRANDFIELD h 6 WITHVALUES)],
    [qw(HRANDFIELD h 9223372036854775807)]);
add('HRANDFIELD of one field', [qw(HSET h a 1)], [qw(HRANDFIELD h)],
    [qw(HRANDFIELD h 1)], [qw(HRANDFIELD h -3 WITHVALUES)],
    [qw(HRANDFIELD h 2 withvalues)]);
add('HRANDFIELD without count', fill('h', 5),
    { cmd => [qw(HRANDFIELD h)],
      check => sub ($k, $r) { my $f = parse($k); defined $f && !ref $f
                                  && exists $small{$f} } },
    [qw(HRANDFIELD nosuch)]);
seq([qw(HRANDFIELD nosuch 5)], [qw(HRANDFIELD nosuch -5 WITHVALUES)],
    [qw(HRANDFIELD nosuch 0)], [qw(HRANDFIELD nosuch abc)]);
seq([qw(HSET h a 1)], [qw(HRANDFIELD h 0)], [qw(HRANDFIELD h 0 WITHVALUES)],
    [qw(HRANDFIELD h abc)], [qw(HRANDFIELD h 1.5)], [qw(HRANDFIELD h 1 foo)],
    [qw(HRANDFIELD h 1 WITHVALUES x)], [qw(HRANDFIELD h 1 WITHVALUE)],
    ['HRANDFIELD', 'h', $LMIN], ['HRANDFIELD', 'h', '-9223372036854775807',
    'WITHVALUES'], ['HRANDFIELD', 'h', '4611686018427387904', 'WITHVALUES'],
    ['HRANDFIELD', 'h', '-4611686018427387904', 'WITHVALUES'],
    ['HRANDFIELD', 'h', '4611686018427387903', 'WITHVALUES'],
    ['HRANDFIELD', 'h', '9223372036854775808'], ['HRANDFIELD']);

# ---------------------------------------------------------------- HSCAN

seq([qw(HSET h a 1 b 2 c 3)], [qw(HSCAN h 0)], [qw(HSCAN h 0 COUNT 1)],
    [qw(HSCAN h 0 MATCH a*)], [qw(HSCAN h 0 MATCH z*)],
    [qw(HSCAN h 123 MATCH *)], [qw(HSCAN h 0 match [ab] count 100)]);
seq([qw(HSCAN nosuch 0)], [qw(HSCAN nosuch 0 COUNT 0)],
    [qw(HSCAN nosuch abc)], [qw(HSCAN nosuch 0 TYPE hash)]);
seq([qw(HSET h a 1)], [qw(HSCAN h abc)], [qw(HSCAN h -1)], [qw(HSCAN h 1.5)],
    [qw(HSCAN h 18446744073709551615)], [qw(HSCAN h 18446744073709551616)],
    [qw(HSCAN h 0 COUNT 0)], [qw(HSCAN h 0 COUNT -1)],
    [qw(HSCAN h 0 COUNT abc)], [qw(HSCAN h 0 MATCH)], [qw(HSCAN h 0 FOO bar)],
    [qw(HSCAN h 0 TYPE string)], [qw(HSCAN h 0 COUNT 1 MATCH)],
    [qw(HSCAN h)], ['HSCAN']);
add('HSCAN binary MATCH', ['HSET', 'h', "a\0b", 1, "a\0c", 2, 'ab', 3],
    ['HSCAN', 'h', 0, 'MATCH', "a\0*"], ['HSCAN', 'h', 0, 'MATCH', 'a?b']);

# A full HSCAN of a hashtable hash: every field and value, any order.
sub full_scan ($conn, $key, @opts) {
    my ($cursor, %got, $calls) = (0);
    do {
        my $r = parse($conn->cmd('HSCAN', $key, $cursor, @opts));
        return 'bad reply' unless ref $r eq 'ARRAY';
        $cursor = $r->[0];
        my @kv = @{ $r->[1] };
        while (my ($f, $v) = splice @kv, 0, 2) { $got{$f} = $v }
        return 'too many calls' if ++$calls > 10000;
    } while ($cursor ne '0');
    return join ',', map { "$_=$got{$_}" } sort keys %got;
}
for my $opts ([], [qw(COUNT 1)], [qw(COUNT 7)], [qw(COUNT 1000)],
              [qw(MATCH f1*)], [qw(MATCH f1* COUNT 3)]) {
    add("HSCAN a hashtable hash to the end @$opts", fill('h', 700),
        { code => sub ($c) { full_scan($c, 'h', @$opts) } });
}
add('HSCAN of a listpack of 300: everything at once', fill('h', 300),
    [qw(HSCAN h 0 COUNT 5)], [qw(HSCAN h 0 MATCH f2?)]);
add('HSCAN of a hashtable hash: a step', fill('h', 700),
    { cmd => [qw(HSCAN h 0 COUNT 20)],
      check => sub ($k, $r) {
          my $a = parse($k);
          return ref $a eq 'ARRAY' && @{ $a->[1] } >= 2
                 && @{ $a->[1] } % 2 == 0 && $a->[0] =~ /^\d+\z/;
      } });

# ---------------------------------------------------------------- wrong types

for my $cmd (['HSET', 's', 'f', 'v'], ['HSETNX', 's', 'f', 'v'],
             ['HGET', 's', 'f'], ['HMGET', 's', 'f'], ['HMSET', 's', 'f', 1],
             ['HDEL', 's', 'f'], ['HEXISTS', 's', 'f'], ['HLEN', 's'],
             ['HSTRLEN', 's', 'f'], ['HKEYS', 's'], ['HVALS', 's'],
             ['HGETALL', 's'], ['HINCRBY', 's', 'f', 1],
             ['HINCRBY', 's', 'f', 'abc'], ['HINCRBYFLOAT', 's', 'f', 1],
             ['HINCRBYFLOAT', 's', 'f', 'abc'], ['HRANDFIELD', 's'],
             ['HRANDFIELD', 's', 3], ['HRANDFIELD', 's', 0],
             ['HRANDFIELD', 's', 'abc'], ['HRANDFIELD', 's', 1, 'foo'],
             ['HSCAN', 's', 0], ['HSCAN', 's', 'abc'],
             ['HSCAN', 's', 0, 'COUNT', 0]) {
    add("@$cmd on a string", [qw(SET s str)], $cmd, [qw(GET s)], [qw(TYPE s)]);
}
for my $cmd (['GET', 'h'], ['SET', 'h', 'x'], ['APPEND', 'h', 'x'],
             ['INCR', 'h'], ['STRLEN', 'h'], ['GETRANGE', 'h', 0, 1],
             ['SETRANGE', 'h', 0, 'x'], ['GETDEL', 'h'], ['GETSET', 'h', 'x'],
             ['MGET', 'h', 'nosuch'], ['SETNX', 'h', 'x'],
             ['INCRBYFLOAT', 'h', 1], ['LCS', 'h', 'h']) {
    add("@$cmd on a hash", [qw(HSET h f v)], $cmd, [qw(TYPE h)],
        [qw(HGETALL h)]);
}

# ---------------------------------------------------------------- keys

my ($ka, $kb, $kc) = spread('hk', 3);

seq([qw(HSET h a 1)], [qw(TYPE h)], [qw(TYPE nosuch)], [qw(EXISTS h)],
    [qw(OBJECT ENCODING h)], [qw(DEL h)], [qw(TYPE h)], [qw(HGET h a)]);
add('TYPE of a hashtable hash', fill('h', 600), [qw(TYPE h)],
    [qw(OBJECT ENCODING h)], [qw(DEL h)], [qw(EXISTS h)]);
add('SCAN TYPE hash over all shards', (map { ['HSET', "h$_", 'f', 1] } 1 .. 20),
    (map { ['SET', "s$_", 1] } 1 .. 20),
    { code => sub ($c) {
          my ($cursor, @keys) = (0);
          do {
              my $r = parse($c->cmd('SCAN', $cursor, 'TYPE', 'hash',
                                    'COUNT', 100));
              $cursor = $r->[0];
              push @keys, @{ $r->[1] };
          } while ($cursor ne '0');
          return join ',', sort @keys;
      } },
    as_set([qw(KEYS h*)]));
for my $n (3, 300, 600) {
    my $enc = $n > 512 ? 'hashtable' : 'listpack';
    add("RENAME a $enc hash across shards", fill($ka, $n),
        ['RENAME', $ka, $kb], ['EXISTS', $ka], ['OBJECT', 'ENCODING', $kb],
        ['HLEN', $kb], as_pairs(['HGETALL', $kb]), ['HGET', $kb, 'f3']);
    add("RENAME a $enc hash with a TTL over a string", fill($ka, $n),
        ['EXPIRE', $ka, 100], ['SET', $kb, 'str'], ['RENAME', $ka, $kb],
        ['TTL', $kb], ['TYPE', $kb], ['HLEN', $kb]);
    add("RENAMENX a $enc hash across shards", fill($ka, $n),
        ['SET', $kc, 1], ['RENAMENX', $ka, $kc], ['RENAMENX', $ka, $kb],
        ['HLEN', $kb], ['OBJECT', 'ENCODING', $kb]);
    add("COPY a $enc hash across shards", fill($ka, $n),
        ['COPY', $ka, $kb], ['OBJECT', 'ENCODING', $kb],
        as_pairs(['HGETALL', $kb]), ['HSET', $kb, 'f1', 'changed'],
        ['HGET', $ka, 'f1'], ['HGET', $kb, 'f1'], ['COPY', $ka, $kb],
        ['COPY', $ka, $kb, 'REPLACE'], ['HGET', $kb, 'f1'],
        ['OBJECT', 'ENCODING', $ka]);
    add("COPY a $enc hash in one shard", fill('{t}a', $n),
        ['COPY', '{t}a', '{t}b'], ['OBJECT', 'ENCODING', '{t}b'],
        ['HDEL', '{t}a', 'f1'], ['HLEN', '{t}a'], ['HLEN', '{t}b'],
        ['RENAME', '{t}b', '{t}c'], ['HLEN', '{t}c'], ['EXISTS', '{t}b']);
    add("COPY a $enc hash to another database", fill($ka, $n),
        ['COPY', $ka, $ka, 'DB', 1], ['SELECT', 1], ['HLEN', $ka],
        ['OBJECT', 'ENCODING', $ka], ['SELECT', 0]);
}
add('listpack order survives RENAME and COPY across shards', fill($ka, 20),
    ['HDEL', $ka, 'f5'], ['HSET', $ka, 'f5', 'back'], ['COPY', $ka, $kc],
    ['RENAME', $ka, $kb], ['HGETALL', $kb], ['HGETALL', $kc]);
add('EXPIRE, TTL, PERSIST on a hash', [qw(HSET h a 1)], [qw(EXPIRE h 100)],
    [qw(TTL h)], [qw(HSET h b 2)], [qw(TTL h)], [qw(PERSIST h)], [qw(TTL h)],
    [qw(PEXPIRE h 1)], { sleep => 0.1 }, [qw(EXISTS h)], [qw(HGET h a)]);
add('HSET on an expired hash', [qw(HSET h a 1)], [qw(PEXPIRE h 1)],
    { sleep => 0.1 }, [qw(HSET h b 2)], [qw(HGETALL h)], [qw(TTL h)]);
add('DEL, UNLINK, EXISTS of hashes across shards', fill($ka, 3),
    fill($kb, 600), ['EXISTS', $ka, $kb, $kc], ['DEL', $ka, $kb, $kc],
    ['EXISTS', $ka, $kb], ['DBSIZE']);
add('MOVE a hash to another database', fill('h', 3), [qw(MOVE h 1)],
    [qw(EXISTS h)], [qw(SELECT 1)], [qw(HGETALL h)], [qw(SELECT 0)]);
add('SWAPDB with hashes', fill('h', 3), [qw(SELECT 1)], fill('h', 600),
    [qw(SELECT 0)], [qw(SWAPDB 0 1)], [qw(HLEN h)],
    [qw(OBJECT ENCODING h)], [qw(SELECT 1)], [qw(HLEN h)]);
add('FLUSHALL frees hashes', fill('h', 700), fill('g', 3), ['FLUSHALL'],
    ['DBSIZE'], ['HLEN', 'h']);

# ---------------------------------------------------------------- pipelines

push @cases, [ 'pipeline: 500 HSET / HGET / HINCRBY over many keys',
               [ map { (['HSET', "p:$_", 'f', $_, 'g', 'x'],
                        ['HGET', 'p:' . ($_ * 7 % 500), 'f'],
                        ['HINCRBY', "p:$_", 'f', 3]) } 1 .. 500 ],
               pipeline => 1 ];

# ---------------------------------------------------------------- random model

# A seeded random sequence of hash commands on a few keys (on several
# shards), every reply compared, the touched key's length and encoding
# checked after each step and its contents every few steps.
sub random_case ($seed, $steps) {
    srand($seed);
    my @keys = (spread("r${seed}_", 3), '{r}x');
    my @fields = ((map { "f$_" } 1 .. 40), '', "b\0in", 'x' x 70,
                  map { "g$_" } 1 .. 600);
    my @vals = (0, 1, -1, 42, '1.5', 'abc', '', 'x' x 65, $LMAX, '-7',
                '3.25', 'v');
    my $pick = sub ($a) { $a->[int rand @$a] };
    my $field = sub {
        # mostly the 40 common fields; sometimes the many others
        return rand() < 0.8 ? "f" . (1 + int rand 40) : $pick->(\@fields);
    };
    my @out;
    for my $i (1 .. $steps) {
        my $k = $pick->(\@keys);
        my $op = int rand 20;
        my @cmd;
        if ($op < 5) {
            my $n = rand() < 0.1 ? 150 : 1 + int rand 3;
            @cmd = ('HSET', $k, map { ($field->(), $pick->(\@vals)) } 1 .. $n);
        } elsif ($op < 6) {
            @cmd = ('HSETNX', $k, $field->(), $pick->(\@vals));
        } elsif ($op < 9) {
            @cmd = ('HDEL', $k, map { $field->() } 1 .. 1 + int rand 4);
        } elsif ($op < 10) {
            @cmd = ('HINCRBY', $k, $field->(), $pick->([1, -5, 100, 'x']));
        } elsif ($op < 11) {
            @cmd = ('HINCRBYFLOAT', $k, $field->(), $pick->(['0.5', '-1e3',
                                                              '2', 'y']));
        } elsif ($op < 13) {
            @cmd = ('HGET', $k, $field->());
        } elsif ($op < 14) {
            @cmd = ('HMGET', $k, map { $field->() } 1 .. 3);
        } elsif ($op < 15) {
            @cmd = ($pick->([qw(HEXISTS HSTRLEN)]), $k, $field->());
        } elsif ($op < 16) {
            @cmd = ('HLEN', $k);
        } elsif ($op < 17) {
            push @out, as_pairs(['HGETALL', $k]);
            next;
        } elsif ($op < 18) {
            my $c = $pick->([1, 3, -4, 0]);
            push @out, { cmd => ['HRANDFIELD', $k, $c],
                         check => sub ($kr, $rr) {
                             my ($ka, $ra) = (parse($kr), parse($rr));
                             ref $ka eq 'ARRAY' && ref $ra eq 'ARRAY'
                                 && @$ka == @$ra;
                         } };
            next;
        } elsif ($op < 19) {
            my $k2 = $pick->(\@keys);
            @cmd = rand() < 0.5 ? ('RENAME', $k, $k2) : ('COPY', $k, $k2,
                                                          'REPLACE');
        } else {
            @cmd = rand() < 0.3 ? ('DEL', $k) : ('EXISTS', $k);
        }
        push @out, \@cmd;
        if ($cmd[0] =~ /^(HSET|HSETNX|HDEL|HINCRBY|HINCRBYFLOAT|RENAME|COPY)$/) {
            my $t = $cmd[0] =~ /^(RENAME|COPY)$/ ? $cmd[2] : $k;
            push @out, ['HLEN', $t], ['OBJECT', 'ENCODING', $t];
            push @out, as_pairs(['HGETALL', $t]) if $i % 5 == 0;
        }
    }
    return @out;
}
for my $seed (1 .. 6) {
    add("random sequence, seed $seed", random_case($seed, 400));
}

Diff::each_server(sub ($d) { $d->cases(@cases) });

done_testing;
