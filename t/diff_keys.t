#!/usr/bin/perl
# The key space commands against redis-server: DEL, UNLINK, EXISTS, TOUCH,
# TYPE, the EXPIRE family and its options, TTL, PTTL, EXPIRETIME,
# PEXPIRETIME, PERSIST, KEYS, RANDOMKEY, DBSIZE, FLUSHDB, FLUSHALL, RENAME,
# RENAMENX, COPY, SELECT, MOVE, SWAPDB, OBJECT, SCAN, and expiry (lazy and
# active). Keys are spread over hash slots (so over kevyd's shards).

use v5.36;
use lib 't/lib';
use Test::More;
use Kevyd qw(safety_alarm);
use Diff qw(parse vis);

safety_alarm(240);

my @cases;
sub add ($name, @steps) { push @cases, [ $name, \@steps ] }

# A case named after its commands.
sub seq (@steps) {
    add(join(' ; ', map { ref $_ eq 'ARRAY' ? join(' ', @$_) : '...' }
                    @steps), @steps);
}

my $LMAX = '9223372036854775807';
my $LMIN = '-9223372036854775808';
my $now = time;

# Replies compared as sets: arrays sorted (KEYS order is the dict's).
sub sorted ($raw) {
    my $a = parse($raw);
    return ref $a eq 'ARRAY' ? join("\n", map { vis($_) } sort @$a)
                             : 'not an array: ' . vis($raw);
}
sub as_set ($args) {
    return { cmd => $args, check => sub ($k, $r) { sorted($k) eq sorted($r) } };
}

# Integer replies that may differ by $tol (TTLs, PTTLs).
sub near ($args, $tol) { { cmd => $args, check => Diff::near($tol) } }

# SETs of n keys named "$prefix$i".
sub keys_n ($n, $prefix = 'key:') {
    return map { ['SET', "$prefix$_", "v$_"] } 1 .. $n;
}

# -------------------------------------------------- DEL, UNLINK, EXISTS

for my $del (qw(DEL UNLINK)) {
    seq([qw(SET a 1)], [$del, 'a'], [qw(EXISTS a)], [$del, 'a']);
    seq([$del, 'nosuch']);
    seq([qw(SET a 1)], [$del, qw(a a a)]);
    seq([qw(SET a 1)], [qw(SET b 2)], [$del, qw(a nosuch b)], ['DBSIZE']);
    add("$del 100 keys over all slots, half missing", keys_n(50),
        [$del, map { "key:$_" } 1 .. 100], ['DBSIZE']);
    add("$del hash tag keys", (map { ['SET', "{t}$_", 1] } 1 .. 10),
        [$del, map { "{t}$_" } 1 .. 12], ['DBSIZE']);
    seq([qw(SET a 1 EX 100)], [$del, 'a'], [qw(TTL a)]);
    seq(['SET', "\0\r\n", 1], [$del, "\0\r\n"], ['DBSIZE']);
    seq([$del]);
}

seq([qw(SET a 1)], [qw(EXISTS a)], [qw(EXISTS nosuch)]);
seq([qw(SET a 1)], [qw(EXISTS a a a)]);
seq([qw(SET a 1)], [qw(SET b 1)], [qw(EXISTS a b nosuch a b)]);
add('EXISTS 100 keys over all slots, some twice', keys_n(60),
    ['EXISTS', (map { "key:$_" } 1 .. 100), (map { "key:$_" } 1 .. 30)]);
seq(['EXISTS']);

seq([qw(SET a 1)], [qw(TOUCH a)], [qw(TOUCH nosuch)], [qw(TOUCH a a nosuch)]);
add('TOUCH 40 keys over all slots', keys_n(20),
    ['TOUCH', map { "key:$_" } 1 .. 40]);
seq(['TOUCH']);

seq([qw(SET a 1)], [qw(TYPE a)], [qw(TYPE nosuch)]);
seq([qw(SET a 123)], [qw(TYPE a)]);
seq(['TYPE']);
seq([qw(TYPE a b)]);

# -------------------------------------------------- EXPIRE family

# Every command and option on a missing key, a key without a TTL and a key
# with a TTL of 100 s, to a smaller (50) and a larger (200) TTL.
my %abs = (EXPIRE => 0, PEXPIRE => 0, EXPIREAT => 1, PEXPIREAT => 1);
sub expire_arg ($cmd, $secs) {
    return $secs * 1000 if $cmd eq 'PEXPIRE';
    return $now + $secs if $cmd eq 'EXPIREAT';
    return ($now + $secs) * 1000 if $cmd eq 'PEXPIREAT';
    return $secs;
}
for my $cmd (qw(EXPIRE PEXPIRE EXPIREAT PEXPIREAT)) {
    for my $opt ([], ['NX'], ['XX'], ['GT'], ['LT'], [qw(XX GT)],
                 [qw(XX LT)], ['nx'], ['gt']) {
        for my $init ('missing', 'no ttl', 'ttl 100') {
            for my $secs (50, 200) {
                my @pre = $init eq 'missing' ? ()
                    : $init eq 'no ttl' ? (['SET', 'k', 'v'])
                    : (['SET', 'k', 'v', 'EX', 100]);
                my @arg = ($cmd, 'k', expire_arg($cmd, $secs), @$opt);
                add("@arg (key $init)", @pre, \@arg,
                    $abs{$cmd} ? near(['TTL', 'k'], 1) : ['TTL', 'k'],
                    ['EXISTS', 'k']);
            }
        }
    }
    for my $opt ([qw(NX XX)], [qw(NX GT)], [qw(NX LT)], [qw(GT LT)],
                 [qw(XX NX)], [qw(LT GT)], ['FOO'], [qw(NX FOO)],
                 [qw(NX NX)], [qw(XX XX GT)]) {
        seq([qw(SET k v EX 100)], [$cmd, 'k', expire_arg($cmd, 50), @$opt],
            [qw(TTL k)]);
    }
    for my $t ('0', '-1', $LMIN, 'abc', '1.5', '', ' 10', '0x10',
               '9223372036854775808') {
        seq([qw(SET k v)], [$cmd, 'k', $t], [qw(EXISTS k)]);
    }
    for my $t ($LMAX, '9223372036854775', '9223372036854776',
               '9223372036854775806') {
        seq([qw(SET k v)], [$cmd, 'k', $t], near([qw(TTL k)], 1));
    }
    seq([$cmd, 'k']);
    seq([$cmd]);
}
seq([qw(SET k v)], [qw(EXPIRE k 0)], [qw(GET k)], ['DBSIZE']);
seq([qw(SET k v)], [qw(PEXPIRE k -100)], [qw(GET k)]);
seq([qw(SET k v)], [qw(EXPIREAT k 1)], [qw(GET k)]);
seq([qw(SET k v)], [qw(PEXPIREAT k 1)], [qw(EXISTS k)]);
seq([qw(SET k v EX 100)], [qw(EXPIRE k 0 GT)], [qw(TTL k)]);
seq([qw(SET k v EX 100)], [qw(EXPIRE k 0 LT)], [qw(EXISTS k)]);
seq([qw(SET k v)], [qw(EXPIRE k -5 NX)], [qw(EXISTS k)]);
{
    my $at = ($now + 100) * 1000;
    seq(['SET', 'k', 'v', 'PXAT', $at], ['PEXPIREAT', 'k', $at, 'GT'],
        ['PEXPIREAT', 'k', $at, 'LT'], ['PEXPIREAT', 'k', $at, 'XX'],
        [qw(PEXPIRETIME k)]);
}
add('EXPIRE 50 keys over all slots', keys_n(50),
    (map { ['EXPIRE', "key:$_", 1000 + $_] } 1 .. 50),
    (map { ['TTL', "key:$_"] } 1 .. 50));

# -------------------------------------------------- TTL, PTTL, EXPIRETIME

seq([qw(TTL nosuch)], [qw(PTTL nosuch)]);
seq([qw(SET k v)], [qw(TTL k)], [qw(PTTL k)]);
add('TTL / PTTL after EX 100', [qw(SET k v EX 100)], [qw(TTL k)],
    near([qw(PTTL k)], 100));
add('TTL / PTTL after PX 1700', [qw(SET k v PX 1700)], [qw(TTL k)],
    near([qw(PTTL k)], 100));
add('TTL of a large EXPIRE', [qw(SET k v)], [qw(EXPIRE k 100000000)],
    [qw(TTL k)]);
seq(['TTL']);
seq([qw(TTL a b)]);
seq(['PTTL']);

seq([qw(EXPIRETIME nosuch)], [qw(PEXPIRETIME nosuch)]);
seq([qw(SET k v)], [qw(EXPIRETIME k)], [qw(PEXPIRETIME k)]);
seq([qw(SET k v)], ['EXPIREAT', 'k', $now + 1000], [qw(EXPIRETIME k)],
    [qw(PEXPIRETIME k)]);
seq([qw(SET k v)], ['PEXPIREAT', 'k', ($now + 1000) * 1000 + 789],
    [qw(EXPIRETIME k)], [qw(PEXPIRETIME k)]);
seq(['SET', 'k', 'v', 'EXAT', $now + 500], [qw(EXPIRETIME k)]);
seq(['SET', 'k', 'v', 'PXAT', $now * 1000 + 500499], [qw(EXPIRETIME k)],
    [qw(PEXPIRETIME k)]);
seq(['SET', 'k', 'v', 'PXAT', $now * 1000 + 500500], [qw(EXPIRETIME k)]);
seq(['EXPIRETIME']);
seq([qw(PEXPIRETIME a b)]);

seq([qw(SET k v EX 100)], [qw(PERSIST k)], [qw(TTL k)], [qw(PERSIST k)]);
seq([qw(SET k v)], [qw(PERSIST k)]);
seq([qw(PERSIST nosuch)]);
seq(['PERSIST']);
seq([qw(PERSIST a b)]);

# -------------------------------------------------- KEYS

my @names = ('hello', 'hallo', 'hxllo', 'hllo', 'heeeello', 'h?llo',
             'a*b', 'a?b', '[x]', 'foo:1', 'foo:2', 'foo:10', 'bar', '',
             "bin\0ary", "cr\r\nlf", '{tag}a', '{tag}b', '{tag}', 'x{tag}y',
             'h\\llo', "\xff\xfe", '-', '^a', 'abc]');
my @patterns = ('*', 'h?llo', 'h*llo', 'h[ae]llo', 'h[^e]llo', 'h[a-b]llo',
                'h[b-a]llo', 'h\\?llo', 'a\\*b', 'a*b', '*o*', '', 'foo:?',
                'foo:*', 'foo:[0-9]', 'foo:[!0]*', '[', '[a-', 'h[', '\\',
                'h\\\\llo', '{tag}*', '*{tag}*', '{tag}', 'bin*', "bin\0ary",
                'cr*', '[^h]*', '*]', 'h[^]llo', '?', '??', '*\\', 'h[\\]]*',
                'h[a-]llo', '**', '*?*?*', "\xff*", 'nomatch*', 'HELLO');
for my $p (@patterns) {
    add('KEYS ' . vis($p), (map { ['SET', $_, 1] } @names),
        as_set(['KEYS', $p]));
}
add('KEYS * over 300 keys', keys_n(300), as_set([qw(KEYS *)]));
add('KEYS on an empty database', ['KEYS', '*']);
seq(['KEYS']);
seq([qw(KEYS a b)]);

# -------------------------------------------------- RANDOMKEY, DBSIZE

add('RANDOMKEY on an empty database', ['RANDOMKEY']);
add('RANDOMKEY with one key', [qw(SET only 1)], ['RANDOMKEY']);
{
    my %set = map { ("key:$_" => 1) } 1 .. 50;
    my $in = sub ($k, $r) { my $v = parse($k); defined $v && $set{$v} };
    add('RANDOMKEY: one of 50 keys, 20 times', keys_n(50),
        map { { cmd => ['RANDOMKEY'], check => $in } } 1 .. 20);
}
seq([qw(RANDOMKEY x)]);

seq(['DBSIZE']);
add('DBSIZE counts keys of all slots', keys_n(123), ['DBSIZE'],
    [qw(DEL key:1 key:2 key:3)], ['DBSIZE']);
seq([qw(SET a 1)], [qw(SELECT 1)], ['DBSIZE'], [qw(SET b 1)], [qw(SET c 1)],
    ['DBSIZE'], [qw(SELECT 0)], ['DBSIZE']);

# -------------------------------------------------- FLUSHDB, FLUSHALL

for my $f (['FLUSHDB'], [qw(FLUSHDB SYNC)], [qw(FLUSHDB ASYNC)],
           [qw(flushdb async)]) {
    add("@$f", keys_n(40), [qw(SELECT 1)], keys_n(5), [qw(SELECT 0)], $f,
        ['DBSIZE'], [qw(SELECT 1)], ['DBSIZE']);
}
for my $f (['FLUSHALL'], [qw(FLUSHALL SYNC)], [qw(FLUSHALL ASYNC)]) {
    add("@$f", keys_n(40), [qw(SELECT 1)], keys_n(5), $f, ['DBSIZE'],
        [qw(SELECT 0)], ['DBSIZE'], ['GET', 'key:1']);
}
seq([qw(FLUSHDB FOO)]);
seq([qw(FLUSHALL FOO)]);
seq([qw(FLUSHDB SYNC ASYNC)]);
seq([qw(FLUSHALL ASYNC SYNC)]);

# -------------------------------------------------- RENAME, RENAMENX

for my $pair ([qw(a b)], [qw({t}a {t}b)], [qw(key:1 key:2)],
              ["\0", "\r\n"]) {
    my ($s, $d) = @$pair;
    seq(['SET', $s, 'v'], ['RENAME', $s, $d], ['GET', $s], ['GET', $d],
        ['DBSIZE']);
    seq(['SET', $s, 'v', 'EX', 100], ['SET', $d, 'old'], ['RENAME', $s, $d],
        ['GET', $d], ['TTL', $d]);
    seq(['SET', $s, 'v'], ['SET', $d, 'old', 'EX', 100], ['RENAME', $s, $d],
        ['TTL', $d]);
    seq(['SET', $s, 'v'], ['SET', $d, 'old'], ['RENAMENX', $s, $d],
        ['GET', $s], ['GET', $d]);
    seq(['SET', $s, 'v', 'EX', 100], ['RENAMENX', $s, $d], ['GET', $d],
        ['TTL', $d], ['EXISTS', $s]);
}
seq([qw(RENAME nosuch b)]);
seq([qw(RENAMENX nosuch b)]);
seq([qw(RENAME nosuch nosuch)]);
seq([qw(RENAMENX nosuch nosuch)]);
seq([qw(SET a v)], [qw(RENAME a a)], [qw(GET a)]);
seq([qw(SET a v)], [qw(RENAMENX a a)], [qw(GET a)]);
seq([qw(SET a v EX 100)], [qw(RENAME a a)], [qw(TTL a)]);
add('RENAME 30 keys over all slots', keys_n(30),
    (map { ['RENAME', "key:$_", "new:$_"] } 1 .. 30),
    ['MGET', map { ("key:$_", "new:$_") } 1 .. 30], ['DBSIZE']);
add('RENAME a chain a -> b -> c -> a', [qw(SET a 1)], [qw(SET b 2)],
    [qw(RENAME a x)], [qw(RENAME b a)], [qw(RENAME x b)], [qw(MGET a b x)]);
seq([qw(RENAME a)]);
seq([qw(RENAME a b c)]);
seq([qw(RENAMENX a)]);

# -------------------------------------------------- COPY

for my $pair ([qw(a b)], [qw({t}a {t}b)], [qw(key:1 key:2)]) {
    my ($s, $d) = @$pair;
    seq(['SET', $s, 'v', 'EX', 100], ['COPY', $s, $d], ['GET', $d],
        ['TTL', $d], ['GET', $s]);
    seq(['SET', $s, 'v'], ['SET', $d, 'old'], ['COPY', $s, $d], ['GET', $d]);
    seq(['SET', $s, 'v'], ['SET', $d, 'old', 'EX', 100],
        ['COPY', $s, $d, 'REPLACE'], ['GET', $d], ['TTL', $d]);
    seq(['SET', $s, 'v'], ['COPY', $s, $d, 'DB', 1], ['EXISTS', $d],
        ['SELECT', 1], ['GET', $d], ['GET', $s]);
    seq(['SET', $s, 'v'], ['SELECT', 2], ['SET', $d, 'old'], ['SELECT', 0],
        ['COPY', $s, $d, 'DB', 2], ['COPY', $s, $d, 'db', 2, 'replace'],
        ['SELECT', 2], ['GET', $d]);
}
seq([qw(SET a 123)], [qw(COPY a b)], [qw(GET b)], [qw(INCR b)], [qw(GET a)]);
seq([qw(COPY nosuch b)]);
seq([qw(SET a v)], [qw(COPY a a)]);
seq([qw(SET a v)], [qw(COPY a a DB 0)]);
seq([qw(SET a v)], [qw(COPY a a DB 1)], [qw(SELECT 1)], [qw(GET a)]);
for my $o ([qw(DB 16)], [qw(DB -1)], [qw(DB abc)], ['DB'], ['FOO'],
           [qw(REPLACE FOO)], [qw(DB 1 DB 2)], [qw(REPLACE REPLACE)],
           ['DB', $LMAX]) {
    seq([qw(SET a v)], ['COPY', 'a', 'b', @$o], [qw(EXISTS b)]);
}
seq([qw(COPY a)]);

# -------------------------------------------------- SELECT, MOVE, SWAPDB

add('SELECT 0..15: each db its own keys',
    (map { (['SELECT', $_], ['SET', 'k', "db$_"]) } 0 .. 15),
    (map { (['SELECT', $_], ['GET', 'k'], ['DBSIZE']) } 0 .. 15));
for my $db ('16', '-1', 'abc', '', '1.0', $LMAX, '2147483648', ' 1', '01') {
    seq(['SELECT', $db]);
}
seq(['SELECT']);
seq([qw(SELECT 1 2)]);

seq([qw(SET k v EX 100)], [qw(MOVE k 1)], [qw(EXISTS k)], [qw(SELECT 1)],
    [qw(GET k)], [qw(TTL k)]);
seq([qw(SET k v)], [qw(SELECT 1)], [qw(SET k other)], [qw(SELECT 0)],
    [qw(MOVE k 1)], [qw(GET k)]);
seq([qw(MOVE nosuch 1)]);
seq([qw(SET k v)], [qw(MOVE k 0)]);
for my $db ('16', '-1', 'abc', $LMAX) {
    seq([qw(SET k v)], ['MOVE', 'k', $db]);
}
add('MOVE 30 keys over all slots to db 3', keys_n(30),
    (map { ['MOVE', "key:$_", 3] } 1 .. 30), ['DBSIZE'], [qw(SELECT 3)],
    ['DBSIZE'], ['MGET', map { "key:$_" } 1 .. 30]);
seq([qw(MOVE k)]);

add('SWAPDB 0 1', keys_n(20), [qw(SELECT 1)], [qw(SET only1 x)],
    [qw(SWAPDB 0 1)], ['DBSIZE'], ['GET', 'only1'], [qw(SELECT 0)],
    ['DBSIZE'], ['GET', 'only1'], ['GET', 'key:1']);
seq([qw(SET a 1)], [qw(SWAPDB 0 0)], [qw(GET a)]);
seq([qw(SET a 1 EX 100)], [qw(SWAPDB 0 5)], [qw(SELECT 5)], [qw(TTL a)]);
for my $a ([qw(0 16)], [qw(16 0)], [qw(-1 0)], [qw(0 abc)], [qw(abc 0)],
           ['', 1]) {
    seq(['SWAPDB', @$a]);
}
seq([qw(SWAPDB 0)]);

add('db 7: DEL, EXISTS, RENAME, COPY, EXPIRE over all slots',
    [qw(SELECT 7)], keys_n(30), ['EXISTS', map { "key:$_" } 1 .. 31],
    (map { ['RENAME', "key:$_", "r:$_"] } 1 .. 10),
    (map { ['COPY', "key:$_", "c:$_", 'DB', 8] } 11 .. 20),
    (map { ['EXPIRE', "key:$_", 100 * $_] } 21 .. 30),
    ['DEL', map { "key:$_" } 11 .. 15], ['DBSIZE'],
    as_set([qw(KEYS *)]), [qw(SELECT 8)], as_set([qw(KEYS *)]),
    [qw(SELECT 0)], ['DBSIZE']);

# -------------------------------------------------- OBJECT

for my $v ('123', '-1', '0', $LMAX, $LMIN, '9223372036854775808', '01',
           ' 1', '1.5', 'abc', '', 'x' x 44, 'x' x 45, 'x' x 100,
           '12345678901234567890', "\0\0") {
    seq(['SET', 'k', $v], [qw(OBJECT ENCODING k)], [qw(OBJECT REFCOUNT k)]);
}
seq([qw(SET k abc)], [qw(APPEND k d)], [qw(OBJECT ENCODING k)]);
seq([qw(SET k 12)], [qw(APPEND k 3)], [qw(OBJECT ENCODING k)]);
seq([qw(SET k abc)], [qw(SETRANGE k 0 x)], [qw(OBJECT ENCODING k)]);
seq([qw(SET k abc)], [qw(INCR k)], [qw(SET k 5)], [qw(INCR k)],
    [qw(OBJECT ENCODING k)]);
seq([qw(INCRBYFLOAT k 1.5)], [qw(OBJECT ENCODING k)]);
seq([qw(SET k 1)], [qw(INCRBY k 20000)], [qw(OBJECT ENCODING k)],
    [qw(OBJECT REFCOUNT k)]);
seq(['SET', 'k', 'y' x 40], ['APPEND', 'k', 'y' x 10],
    [qw(OBJECT ENCODING k)]);
seq([qw(OBJECT ENCODING nosuch)], [qw(OBJECT REFCOUNT nosuch)],
    [qw(OBJECT IDLETIME nosuch)], [qw(OBJECT FREQ nosuch)]);
seq([qw(SET k v)], [qw(OBJECT FREQ k)]);
add('OBJECT IDLETIME: a small integer', [qw(SET k v)],
    { cmd => [qw(OBJECT IDLETIME k)],
      check => sub ($k, $r) { Diff::is_int($k) && parse($k) <= 2 } });
seq([qw(OBJECT HELP)]);
seq([qw(OBJECT FOO k)]);
seq([qw(OBJECT ENCODING)]);
seq([qw(OBJECT ENCODING a b)]);
seq(['OBJECT']);

# -------------------------------------------------- SCAN

# Every key a full SCAN iteration returns, sorted and deduplicated; fails
# on a bad reply or more than 10,000 calls.
sub scan_all (@opts) {
    return scan_from('0', @opts);
}

# The same, starting from $start (another spelling of cursor 0).
sub scan_from ($start, @opts) {
    return { code => sub ($c) {
        my ($cursor, %seen) = ($start);
        for (1 .. 10_000) {
            my $raw = $c->cmd('SCAN', $cursor, @opts);
            my $r = parse($raw);
            return 'bad reply ' . ($raw // '(none)')
                unless ref $r eq 'ARRAY' && @$r == 2 && !ref $r->[0]
                       && $r->[0] =~ /^\d+$/ && ref $r->[1] eq 'ARRAY';
            $seen{$_}++ for @{ $r->[1] };
            $cursor = $r->[0];
            return join ',', sort keys %seen
                if $cursor eq '0';
        }
        return 'SCAN did not finish';
    } };
}
add('SCAN: full iteration on an empty database', scan_all());
add('SCAN: full iteration over 500 keys', keys_n(500), scan_all());
add('SCAN COUNT 1 over 100 keys', keys_n(100), scan_all(qw(COUNT 1)));
add('SCAN COUNT 1000 over 100 keys', keys_n(100), scan_all(qw(COUNT 1000)));
add('SCAN MATCH key:1* over 300 keys', keys_n(300),
    scan_all(qw(MATCH key:1*)));
add('SCAN MATCH nomatch', keys_n(50), scan_all(qw(MATCH nomatch*)));
add('SCAN MATCH with hash tags', keys_n(50),
    (map { ['SET', "{tag}$_", 1] } 1 .. 20), scan_all(qw(MATCH {tag}*)));
add('SCAN MATCH and COUNT', keys_n(200),
    scan_all(qw(MATCH *5* COUNT 3)));
add('SCAN TYPE string', keys_n(50), scan_all(qw(TYPE string)));
add('SCAN TYPE list (no list keys)', keys_n(50), scan_all(qw(TYPE list)));
add('SCAN TYPE nosuchtype', keys_n(20), scan_all(qw(TYPE nosuchtype)));
add('SCAN with binary keys', (map { ['SET', "b\0\r\n$_", 1] } 1 .. 20),
    scan_all());
add('SCAN in db 3', keys_n(10), [qw(SELECT 3)], keys_n(30, 'db3:'),
    scan_all());
add('SCAN on one key', [qw(SET only 1)], scan_all());
# Redis reads the cursor with strtoull(): these all mean 0.
for my $zero ('', '00', '+0', '000000000000000000000000', "0\0junk") {
    add("SCAN from cursor '$zero' over 200 keys", keys_n(200),
        scan_from($zero));
}
for my $bad ([qw(abc)], ['1.5'], ['18446744073709551616'], [' 1'], ['1x'],
             ['0x1'], ['1 '], ['99999999999999999999'],
             [qw(0 COUNT 0)], [qw(0 COUNT -1)], [qw(0 COUNT abc)],
             [qw(0 MATCH)], [qw(0 COUNT)], [qw(0 FOO)], [qw(0 TYPE)],
             [qw(0 MATCH a FOO)]) {
    seq([qw(SET a 1)], ['SCAN', @$bad]);
}
seq(['SCAN']);

# -------------------------------------------------- expiry

add('PX 100: gone after 300 ms (lazy expiry on access)',
    [qw(SET k v PX 100)], [qw(SET k2 v PX 100)], [qw(SET k3 v PX 100)],
    [qw(SET k4 5 PX 100)], [qw(SET k5 v PX 100)], [qw(SET k6 v PX 100)],
    [qw(SET p v)], { sleep => 0.3 }, [qw(GET k)], [qw(EXISTS k2)],
    [qw(TTL k3)], [qw(INCR k4)], [qw(APPEND k5 w)], [qw(STRLEN k6)],
    [qw(GET p)], as_set([qw(KEYS *)]));
add('expired keys are not counted, not renamed, not copied',
    [qw(SET a v PX 100)], [qw(SET b v PX 100)], [qw(SET c v PX 100)],
    [qw(SET d v PX 100)], { sleep => 0.3 }, [qw(RENAME a x)],
    [qw(COPY b y)], [qw(SETNX c new)], [qw(GET c)], [qw(MSETNX d 1 e 2)],
    [qw(MGET d e)], ['DBSIZE']);
add('active expiry: 30 keys with PX 100 leave DBSIZE untouched',
    keys_n(5, 'keep:'), (map { ['SET', "exp:$_", 'v', 'PX', 100] } 1 .. 30),
    { sleep => 0.2 },
    { cmd => ['DBSIZE'], until => sub ($r) { $r eq ":5\r\n" },
      timeout => 3 },
    { cmd => [qw(INFO keyspace)],
      check => sub ($k, $r) { parse($k) =~ /^db0:keys=5,expires=0,/m } });

# -------------------------------------------------- pipelines

push @cases, [ 'pipeline: SET, EXPIRE, TTL, DEL, EXISTS over many keys',
               [ map { (['SET', "p:$_", $_], ['EXPIRE', "p:$_", 100 + $_],
                        ['TTL', "p:$_"], ['DEL', "p:" . ($_ - 1)],
                        ['EXISTS', "p:$_", "p:" . ($_ - 1)]) } 1 .. 400 ],
               pipeline => 1 ];

Diff::each_server(sub ($d) { $d->cases(@cases) });

done_testing;
