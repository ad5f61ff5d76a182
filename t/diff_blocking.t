#!/usr/bin/perl
# The blocking commands against redis-server, byte for byte: BLPOP BRPOP
# BLMOVE BRPOPLPUSH BLMPOP BZPOPMIN BZPOPMAX BZMPOP.
#
#  1. argument errors in Redis's order: arity, every kind of bad timeout
#     (on missing keys the error must come at once, with data it must come
#     before anything is popped), BLMPOP/BZMPOP numkeys, LEFT/RIGHT,
#     MIN/MAX and COUNT, BLMOVE's positions before its timeout;
#  2. immediate replies when data exists: several keys, wrong types before
#     and after the key with data, duplicate keys, COUNT past the end,
#     binary and long elements, scores, the key deleted by its last pop,
#     BLMOVE/BRPOPLPUSH to the same key, a new key, a list, a wrong type;
#  3. timeouts on missing keys (*-1, the bytes Redis sends for all eight),
#     and a wrong-type key later in the list (an error) against only
#     missing keys (a timeout);
#  4. wake-ups: clients of their own block (CLIENT LIST shows flags=b; in
#     kevyd once every owner of its keys has it in line) and the case's
#     connection pushes: FIFO order among several waiters, one element for
#     two waiters, BLMOVE chains (the source's waiters before the
#     destination's), zsets, COUNT, wrong types arriving on a waited key,
#     RENAME, LMOVE, expired keys, FLUSHALL, SWAPDB, databases, commands
#     pipelined behind the push (the waiters are served first) and behind
#     a blocked command (run after it), disconnects, CLIENT KILL and
#     timeouts before the push, 60 keys, 30 waiters, waiters at every
#     worker on keys of every shard;
#  5. seeded random runs: five clients block with random commands on
#     eight keys (lists and zsets on every shard) while the case's
#     connection pushes, pops, moves, deletes and overwrites; a model of
#     Redis's rules picks whose reply to read after each step, and the full
#     state is compared after every step. Six runs with BLMOVE chains,
#     three without.
#
# Keys k1 k2 k3 k4 live on shards 1 0 0 1 of 2 workers and 3 0 1 2 of 4,
# so the waited keys, the destinations and the clients' own workers differ
# (k5..k8 repeat that pattern; k1 and k5 always share a shard).
#
# Every waiter step has a check that Redis's reply is what the step is
# about (blocked, a reply, no reply), so no case can pass vacuously:
# DIFF_SELF=1 runs the file against a second redis-server.

use v5.36;
use lib 't/lib';
use IO::Select;
use Test::More;
use Time::HiRes qw(sleep time);
use Kevyd qw(safety_alarm key_shard);
use Diff qw(vis parse);

safety_alarm(300);

my @cases;
sub add ($name, @steps) { push @cases, [ $name, \@steps ] }

sub describe (@steps) {
    return join ' ; ', map {
        ref $_ eq 'ARRAY' ? join(' ', map { vis($_, 24) } @$_)
                          : $_->{what} // '...'
    } @steps;
}

# A case named after its commands.
sub seq (@steps) { add(describe(@steps), @steps) }

# The shards the comment above promises.
die "k1..k4 are not on shards 1 0 0 1 / 3 0 1 2\n"
    unless join(' ', map { key_shard("k$_", 2) } 1 .. 4) eq '1 0 0 1'
        && join(' ', map { key_shard("k$_", 4) } 1 .. 8) eq '3 0 1 2 3 0 1 2';

my $WORKERS = 1;    # of the server under test; each_server sets it
my $T = 5;          # the timeout of waiters that a push is meant to wake

# ================================================================ waiters
#
# Steps that drive more connections ("waiters") of the server the step
# runs on. Each returns a string naming the waiter and what it saw, and
# checks that the two servers agree and that Redis's string is the one the
# step is about.

my %WAITERS;    # server port => { name => { c => Kevyd::Conn, id => N } }

sub agree ($re) {
    return sub ($k, $r) { defined $k && $k eq $r && $r =~ $re };
}

sub port_of ($c) { $c->sock->peerport }

sub new_conn ($c) {
    return Kevyd::Conn->new('127.0.0.1', port_of($c), 5)
        // die "connect: $@\n";
}

sub conn_id ($w) {
    my $r = $w->cmd(qw(CLIENT ID)) // die "CLIENT ID: no reply\n";
    $r =~ /^:(\d+)\r\n\z/ or die 'CLIENT ID: ' . vis($r) . "\n";
    return $1;
}

# The waiter called $name on $c's server; with $home, a connection served
# by worker $home % workers (on redis-server: any connection).
sub waiter ($c, $name, $home = undef) {
    my $port = port_of($c);
    return $WAITERS{$port}{$name} if $WAITERS{$port}{$name};
    my $w = new_conn($c);
    if (defined $home) {
        my $want = $home % $WORKERS;
        my @spare;
        for (1 .. 64) {
            my ($id) = $w->served_by;
            last if !defined $id || $id == $want;
            push @spare, $w;
            $w = new_conn($c);
        }
        $_->close for @spare;
    }
    return $WAITERS{$port}{$name} = { c => $w, id => conn_id($w) };
}

# The flags of client $id in CLIENT LIST (asked on $c); undef when the
# client is not listed.
sub flags_of ($c, $id) {
    my $raw = $c->cmd('CLIENT', 'LIST', 'ID', $id)
        // die 'CLIENT LIST: no reply (' . ($c->{error} // '') . ")\n";
    my $text = parse($raw);
    die 'CLIENT LIST: ' . vis($raw) . "\n" if !defined $text || ref $text;
    my ($line) = grep { /^id=\Q$id\E / } split /\n/, $text;
    return undef unless defined $line;
    $line =~ /(?:^| )flags=(\S*)/ or die "no flags= in $line\n";
    return $1;
}

sub has_input ($conn) {
    return length($conn->{buf}) || IO::Select->new($conn->sock)->can_read(0);
}

# Wait until waiter $w shows flags=b: 'blocked', or what happened instead.
sub until_blocked ($c, $w) {
    my $deadline = time + 3;
    while (1) {
        my $f = flags_of($c, $w->{id});
        return 'blocked' if defined $f && $f =~ /b/;
        if (has_input($w->{c})) {
            my $r = $w->{c}->read_reply(3);
            return 'replied at once: '
                   . vis($r // '(' . ($w->{c}{error} // 'eof') . ')');
        }
        return 'not listed' unless defined $f;
        return "not blocked after 3 s (flags=$f)" if time > $deadline;
        sleep 0.002;
    }
}

sub cmd_text (@cmd) { join ' ', map { vis($_, 40) } @cmd }

# B(NAME, CMD...): waiter NAME sends CMD, which must block.
sub B ($name, @cmd) {
    my $what = "$name: " . cmd_text(@cmd);
    return { what => $what, check => agree(qr/ -> blocked\z/),
             code => sub ($c) {
        my $w = waiter($c, $name);
        $w->{c}->raw(Kevyd::Conn::encode(@cmd)) or die "write failed\n";
        return "$what -> " . until_blocked($c, $w);
    } };
}

# S(NAME, CMD...): waiter NAME sends CMD (a reply is read by R).
sub S ($name, @cmd) {
    my $what = "$name sends " . cmd_text(@cmd);
    return { what => $what, check => agree(qr/ sent\z/), code => sub ($c) {
        my $w = waiter($c, $name);
        $w->{c}->raw(Kevyd::Conn::encode(@cmd)) or die "write failed\n";
        return "$what -> sent";
    } };
}

# SRAW(NAME, BYTES): waiter NAME sends bytes as they are (one write).
sub SRAW ($name, $bytes) {
    my $what = "$name sends " . vis($bytes, 80);
    return { what => $what, check => agree(qr/ sent\z/), code => sub ($c) {
        waiter($c, $name)->{c}->raw($bytes) or die "write failed\n";
        return "$what -> sent";
    } };
}

# WB(NAME): wait until waiter NAME is blocked.
sub WB ($name) {
    return { what => "$name blocks", check => agree(qr/ -> blocked\z/),
             code => sub ($c) {
        return "$name -> " . until_blocked($c, waiter($c, $name));
    } };
}

# R(NAME, T): the next reply of waiter NAME (within T seconds).
sub R ($name, $t = 3) {
    return { what => "read $name", check => agree(qr/^\Q$name\E: [-+:\$*]/),
             code => sub ($c) {
        my $w = waiter($c, $name);
        my $r = $w->{c}->read_reply($t);
        return "$name: " . ($r // '(' . ($w->{c}{error} // 'eof') . ')');
    } };
}

# Q(NAME, T): waiter NAME has no reply within T seconds.
sub Q ($name, $t = 0.05) {
    return { what => "$name quiet", check => agree(qr/: no reply\z/),
             code => sub ($c) {
        my $w = waiter($c, $name);
        return "$name: no reply"
            unless IO::Select->new($w->{c}->sock)->can_read($t)
                   || length $w->{c}{buf};
        my $r = $w->{c}->read_reply(1);
        return "$name: replied "
               . vis($r // '(' . ($w->{c}{error} // 'eof') . ')');
    } };
}

# WC(NAME, CMD...): waiter NAME runs CMD and reads its reply.
sub WC ($name, @cmd) {
    my $what = "$name: " . cmd_text(@cmd);
    return { what => $what, check => agree(qr/ -> [-+:\$*]/),
             code => sub ($c) {
        my $r = waiter($c, $name)->{c}->cmd(@cmd);
        return "$what -> " . ($r // '(no reply)');
    } };
}

# HOME(NAME, I): open waiter NAME on worker I (mod the worker count).
sub HOME ($name, $i) {
    return { what => "$name at worker $i", check => agree(qr/ open\z/),
             code => sub ($c) {
        waiter($c, $name, $i);
        return "$name open";
    } };
}

sub until_gone ($c, @ids) {
    my $deadline = time + 3;
    for my $id (@ids) {
        while (defined flags_of($c, $id)) {
            return "client $id still listed after 3 s" if time > $deadline;
            sleep 0.002;
        }
    }
    return 'gone';
}

# X(NAME): waiter NAME disconnects; wait until the server has let it go.
sub X ($name) {
    return { what => "$name disconnects", check => agree(qr/ gone\z/),
             code => sub ($c) {
        my $w = delete $WAITERS{ port_of($c) }{$name}
            or return "$name: no such waiter";
        $w->{c}->close;
        return "$name " . until_gone($c, $w->{id});
    } };
}

# The end of every scenario: every waiter disconnects and is let go, so
# that none of them is left in line for the next case's keys.
sub DONE () {
    return { what => 'done', check => agree(qr/^gone\z/), code => sub ($c) {
        my $all = delete $WAITERS{ port_of($c) } // {};
        $_->{c}->close for values %$all;
        return until_gone($c, map { $_->{id} } values %$all);
    } };
}

sub scen ($name, @steps) { add($name, @steps, DONE()) }

# PAR(RE, CMD, ...): each command on a connection of its own, all sent at
# once; their replies in order (timeouts run side by side). Redis's
# replies must match RE.
sub PAR ($re, @cmds) {
    my $what = join ' | ', map { cmd_text(@$_) } @cmds;
    return { what => $what, check => agree($re),
             code => sub ($c) {
        my @w = map { new_conn($c) } @cmds;
        $w[$_]->raw(Kevyd::Conn::encode(@{ $cmds[$_] })) for 0 .. $#cmds;
        my @r = map { $_->read_reply(3) // '(' . ($_->{error} // 'eof') . ')' }
                @w;
        $_->close for @w;
        return join '| ', @r;
    } };
}

# ================================================================ 1. errors

my @BAD_TIMEOUTS = ('-1', 'abc', '', ' 1', '1 ', 'inf', '-inf', 'nan',
                    '1e16', '9223372036854776', '1e5000', '1e-5000', '0x',
                    '+inf', 'infinity', '-nan', '1e', '1_0', "\t1", "1\0",
                    '-0.002', '-9223372036854775808', '1' x 6000);

# Every command (and the COUNT forms) with timeout $t on list keys $l1 $l2
# and zset keys $z1 $z2.
sub forms ($t, $l1 = 'k1', $l2 = 'k2', $z1 = 'k3', $z2 = 'k4') {
    return (['BLPOP', $l1, $l2, $t], ['BRPOP', $l1, $l2, $t],
            ['BLMOVE', $l1, $l2, 'LEFT', 'RIGHT', $t],
            ['BRPOPLPUSH', $l1, $l2, $t],
            ['BLMPOP', $t, 2, $l1, $l2, 'LEFT'],
            ['BLMPOP', $t, 1, $l1, 'RIGHT', 'COUNT', 2],
            ['BZPOPMIN', $z1, $z2, $t], ['BZPOPMAX', $z1, $z2, $t],
            ['BZMPOP', $t, 2, $z1, $z2, 'MIN'],
            ['BZMPOP', $t, 1, $z1, 'MAX', 'COUNT', 3]);
}

my @DATA = ([qw(RPUSH k1 a b c)], [qw(ZADD k3 1 a 2 b 3 c)]);
my @STATE = ([qw(LRANGE k1 0 -1)], [qw(LRANGE k2 0 -1)],
             [qw(ZRANGE k3 0 -1 WITHSCORES)], [qw(EXISTS k2 k4)]);

for my $t (@BAD_TIMEOUTS) {
    add('bad timeout ' . vis($t, 30) . ', missing keys', forms($t));
    add('bad timeout ' . vis($t, 30) . ', with data', @DATA, forms($t),
        @STATE);
}
# Timeouts that are good (some of them forever: only with data).
for my $t ('0', '0.0', '-0', '-0.0', '-0.0009', '-0.0001', '+1', '.5',
           '5.', '0x10', '1E3', '00001', '1e-300', '0x1p-1075',
           '9223372036854775', '9223372036854775.807', '92233720368547') {
    add('good timeout ' . vis($t) . ', with data',
        [qw(RPUSH k1 a b c d e f g h)], [qw(ZADD k3 1 a 2 b 3 c 4 d 5 e 6 f)],
        forms($t), @STATE);
}

# Arity.
seq(['BLPOP'], [qw(BLPOP k1)], ['BRPOP'], [qw(BRPOP k1)],
    ['BZPOPMIN'], [qw(BZPOPMIN k1)], ['BZPOPMAX'], [qw(BZPOPMAX k1)]);
seq(['BLMOVE'], [qw(BLMOVE k1)], [qw(BLMOVE k1 k2 LEFT RIGHT)],
    [qw(BLMOVE k1 k2 LEFT RIGHT 0 x)], [qw(BLMOVE k1 k2 LEFT 0)],
    ['BRPOPLPUSH'], [qw(BRPOPLPUSH k1 k2)], [qw(BRPOPLPUSH k1 k2 0 x)]);
seq(['BLMPOP'], [qw(BLMPOP 0)], [qw(BLMPOP 0 1)], [qw(BLMPOP 0 1 k1)],
    ['BZMPOP'], [qw(BZMPOP 0)], [qw(BZMPOP 0 1)], [qw(BZMPOP 0 1 k1)]);
seq(@DATA, [qw(BLPOP k1)], [qw(BZPOPMIN k3)], [qw(BLMOVE k1 k2 LEFT RIGHT)],
    [qw(BLMPOP 0 1 k1)], [qw(BZMPOP 0 1 k3)], @STATE);
seq([qw(blpop k1 0.01)], [qw(bRpOp k1 0.01)],
    [qw(blmove k1 k2 left right 0.01)],
    [qw(brpoplpush k1 k2 0.01)], [qw(blmpop 0.01 1 k1 left count 2)],
    [qw(bzpopmin k3 0.01)], [qw(bzpopmax k3 0.01)],
    [qw(bzmpop 0.01 1 k3 max count 2)]);

# BLMPOP / BZMPOP: numkeys, the direction, COUNT. Every variant on missing
# keys with a short timeout (a variant that is valid times out), with a
# bad timeout as well (which error comes first), and on data.
{
    my @variants;
    for my $nk ('0', '-1', 'abc', '', '1.5', '01', ' 1',
                '9223372036854775807', '9223372036854775808',
                '-9223372036854775808') {
        push @variants, [$nk, 'k1', '%D'];
    }
    push @variants,
        ['2', 'k1', '%D'],                       # the direction is a key
        ['3', 'k1', 'k2', '%D'],                 # too many
        ['2', 'k1', 'k2'],                       # no direction
        ['1', 'k1'],                             # arity
        ['1', 'k1', 'UP'], ['1', 'k1', ''], ['1', 'k1', '%X'],
        ['1', 'k1', '%D', 'COUNT'], ['1', 'k1', '%D', 'COUNT', '0'],
        ['1', 'k1', '%D', 'COUNT', '-1'], ['1', 'k1', '%D', 'COUNT', 'abc'],
        ['1', 'k1', '%D', 'COUNT', ''], ['1', 'k1', '%D', 'COUNT', '1.0'],
        ['1', 'k1', '%D', 'COUNT', '9223372036854775808'],
        ['1', 'k1', '%D', 'COUNT', '1', 'COUNT', '2'],
        ['1', 'k1', '%D', 'COUNT', '0', 'COUNT', '2'],
        ['1', 'k1', '%D', 'COUNT', '1', 'extra'],
        ['1', 'k1', '%D', 'extra'], ['1', 'k1', '%D', 'count', '2'],
        ['1', 'k1', '%D', 'COUNT', '2', '%D'],
        ['2', 'k1', '%D', 'COUNT', '2'],         # numkeys eats the direction
        ['1', 'k1', '%d', 'count', '1'];
    for my $cmd ('BLMPOP', 'BZMPOP') {
        my ($d, $x, $key) = $cmd eq 'BLMPOP' ? (qw(LEFT MIN k1))
                                             : (qw(MAX RIGHT k3));
        my @forms = map {
            my @a = map { $_ eq '%D' ? $d : $_ eq '%d' ? lc $d
                          : $_ eq '%X' ? $x : $_ eq 'k1' ? $key : $_ } @$_;
            [@a]
        } @variants;
        add("$cmd options, missing keys",
            map { [$cmd, '0.01', @$_] } @forms);
        add("$cmd options, timeout abc",
            map { [$cmd, 'abc', @$_] } @forms);
        add("$cmd options, timeout -1",
            map { [$cmd, '-1', @$_] } @forms);
        add("$cmd options, with data",
            ['RPUSH', 'k1', 1 .. 20],
            ['ZADD', 'k3', map { ($_, "m$_") } 1 .. 20],
            [qw(SET k2 str)],
            (map { [$cmd, '0.01', @$_] } @forms), @STATE);
    }
}

# BLMOVE: the positions are checked before the timeout.
for my $t ('0.01', 'abc', '-1', '') {
    my @steps;
    for my $pos (['UP', 'LEFT'], ['LEFT', 'UP'], ['up', 'down'], ['', 'RIGHT'],
                 ['LEFT', ''], ['LEFTX', 'RIGHT'], ['left', 'right'],
                 ['Right', 'Left']) {
        push @steps, ['BLMOVE', 'k1', 'k2', @$pos, $t];
    }
    push @steps, ['BRPOPLPUSH', 'k1', 'k2', $t];
    add("BLMOVE positions and timeout " . vis($t), @steps);
    add("BLMOVE positions and timeout " . vis($t) . ', wrong types',
        [qw(SET k1 s)], [qw(SET k2 s)], @steps);
}
# Errors on a blocking command do not touch the data.
seq([qw(RPUSH k1 a)], [qw(BLPOP k1 k2)], [qw(BLPOP k1 -1)],
    [qw(BLMOVE k1 k2 UP LEFT 0)], [qw(BLMPOP 0 1 k1 LEFT COUNT 0)],
    [qw(LRANGE k1 0 -1)], [qw(EXISTS k2)]);

# ================================================================ 2. data

my $BIN1 = "a\0b";
my $BIN2 = "\r\n";
my $BIN3 = "\xff\xfe\x80\x00\x01";
my $LONG = join '', map { chr(($_ * 7) % 256) } 1 .. 70000;

# BLPOP / BRPOP
for my $cmd ('BLPOP', 'BRPOP') {
    seq([qw(RPUSH k1 a b c)], [$cmd, 'k1', 0], [$cmd, 'k1', '0.01'],
        [$cmd, 'k1', $T], [qw(LRANGE k1 0 -1)], [qw(EXISTS k1)]);
    seq([qw(RPUSH k3 x y)], [$cmd, 'k1', 'k2', 'k3', 0], [qw(LRANGE k3 0 -1)]);
    seq([qw(RPUSH k3 x)], [qw(RPUSH k4 y)], [$cmd, 'k1', 'k4', 'k3', 0],
        [qw(EXISTS k4)], [qw(LRANGE k3 0 -1)]);
    seq([qw(SET k1 s)], [qw(RPUSH k2 x)], [$cmd, 'k1', 'k2', 0],
        [qw(LRANGE k2 0 -1)]);
    seq([qw(ZADD k1 1 m)], [qw(RPUSH k2 x)], [$cmd, 'k1', 'k2', 0],
        [qw(LRANGE k2 0 -1)]);
    seq([qw(SET k3 s)], [qw(RPUSH k2 x)], [$cmd, 'k2', 'k3', 0],
        [qw(EXISTS k2)], [qw(GET k3)]);
    seq([qw(SET k3 s)], [qw(RPUSH k2 x)], [$cmd, 'k1', 'k2', 'k3', 0]);
    seq([qw(SET k3 s)], [qw(RPUSH k2 x)], [$cmd, 'k1', 'k3', 'k2', 0],
        [qw(LRANGE k2 0 -1)]);
    seq([qw(HSET k1 f v)], [$cmd, 'k1', 0], [qw(SADD k1x m)],
        [$cmd, 'k2', 'k1x', 0]);
    seq([qw(RPUSH k1 a b)], [$cmd, 'k1', 'k1', 'k1', 0], [$cmd, 'k1', 'k1', 0],
        [qw(EXISTS k1)]);
    seq(['RPUSH', 'k1', $BIN1, $BIN2, $BIN3, '', $LONG],
        (map { [$cmd, 'k1', 0] } 1 .. 5), [qw(EXISTS k1)]);
    seq(['RPUSH', $BIN1, 'v'], ['RPUSH', $BIN3, 'w'],
        [$cmd, 'k1', $BIN3, $BIN1, 0], [$cmd, $BIN1, 0], ['EXISTS', $BIN3]);
    seq(['RPUSH', 'k1', map { "e$_" } 1 .. 300],
        (map { [$cmd, 'k2', 'k1', 0] } 1 .. 5), [qw(LLEN k1)]);
    seq(['RPUSH', 'k1', 1 .. 10], [$cmd, 'k1', '-0.0009'],
        [$cmd, 'k1', '9223372036854775'], [$cmd, 'k1', '0x0.1p-5']);
}

# BZPOPMIN / BZPOPMAX
for my $cmd ('BZPOPMIN', 'BZPOPMAX') {
    seq([qw(ZADD k1 1 a 2 b 3 c)], [$cmd, 'k1', 0], [$cmd, 'k1', '0.01'],
        [qw(ZRANGE k1 0 -1 WITHSCORES)]);
    seq([qw(ZADD k3 5 x 6 y)], [$cmd, 'k1', 'k2', 'k3', 0],
        [qw(ZRANGE k3 0 -1 WITHSCORES)]);
    seq([qw(SET k1 s)], [qw(ZADD k2 1 x)], [$cmd, 'k1', 'k2', 0],
        [qw(EXISTS k2)]);
    seq([qw(RPUSH k1 l)], [qw(ZADD k2 1 x)], [$cmd, 'k1', 'k2', 0]);
    seq([qw(RPUSH k3 l)], [qw(ZADD k2 1 x)], [$cmd, 'k2', 'k3', 0],
        [qw(EXISTS k2 k3)]);
    seq([qw(RPUSH k3 l)], [qw(ZADD k2 1 x)], [$cmd, 'k1', 'k3', 'k2', 0]);
    seq([qw(ZADD k1 1 a)], [$cmd, 'k1', 'k1', 0], [qw(EXISTS k1)]);
    seq([qw(ZADD k1 inf a -inf b 1.5 c 1e300 d -0 e 0.1 f 3 g 3 h)],
        (map { [$cmd, 'k1', 0] } 1 .. 8), [qw(EXISTS k1)],
        [$cmd, 'k1', '0.01']);
    seq(['ZADD', 'k1', 1, $BIN1, 2, $BIN2, 3, $BIN3, 4, '', 5, $LONG],
        (map { [$cmd, 'k1', 0] } 1 .. 5));
    seq(['ZADD', 'k1', map { ($_ % 17, "m$_") } 1 .. 200],
        (map { [$cmd, 'k2', 'k1', 0] } 1 .. 4), [qw(ZCARD k1)]);
}

# BLMPOP / BZMPOP
seq([qw(RPUSH k1 a b c d e)], [qw(BLMPOP 0 1 k1 LEFT)],
    [qw(BLMPOP 0 1 k1 RIGHT COUNT 2)], [qw(BLMPOP 0 1 k1 left count 100)],
    [qw(EXISTS k1)], [qw(BLMPOP 0.01 1 k1 LEFT)]);
seq([qw(RPUSH k3 a b c)], [qw(BLMPOP 0 3 k1 k2 k3 RIGHT COUNT 2)],
    [qw(BLMPOP 0 3 k3 k3 k3 LEFT COUNT 5)], [qw(EXISTS k3)]);
seq([qw(SET k1 s)], [qw(RPUSH k2 a)], [qw(BLMPOP 0 2 k1 k2 LEFT)],
    [qw(BLMPOP 0 2 k2 k1 LEFT)], [qw(BLMPOP 0.01 2 k3 k1 LEFT)]);
seq([qw(ZADD k1 1 a)], [qw(RPUSH k2 a)], [qw(BLMPOP 0 2 k1 k2 LEFT)],
    [qw(BZMPOP 0 2 k2 k1 MIN)], [qw(BZMPOP 0 2 k1 k2 MIN)]);
seq(['RPUSH', 'k1', $BIN1, $BIN2, $BIN3, $LONG],
    [qw(BLMPOP 0 1 k1 LEFT COUNT 4)]);
seq(['RPUSH', 'k2', 1 .. 1000], [qw(BLMPOP 0 2 k1 k2 LEFT COUNT 300)],
    [qw(BLMPOP 0 2 k1 k2 RIGHT COUNT 9223372036854775807)], [qw(EXISTS k2)]);
seq([qw(ZADD k1 1 a 2 b 3 c 4 d)], [qw(BZMPOP 0 1 k1 MIN)],
    [qw(BZMPOP 0 1 k1 MAX COUNT 2)], [qw(BZMPOP 0 1 k1 min count 10)],
    [qw(EXISTS k1)], [qw(BZMPOP 0.01 1 k1 MIN)]);
seq([qw(ZADD k4 inf a -inf b 1.5 c 1e300 d 2.5e-7 e)],
    [qw(BZMPOP 0 3 k1 k2 k4 MAX COUNT 2)],
    [qw(BZMPOP 0 3 k1 k2 k4 MIN COUNT 3)]);
seq([qw(SET k1 s)], [qw(ZADD k2 1 a)], [qw(BZMPOP 0 2 k1 k2 MIN)],
    [qw(BZMPOP 0 2 k2 k1 MIN)], [qw(BZMPOP 0.01 2 k3 k1 MAX)]);
seq(['ZADD', 'k1', 1, $BIN1, 2, $BIN2, 3, $BIN3, 4, $LONG],
    [qw(BZMPOP 0 1 k1 MAX COUNT 4)]);

# BLMOVE / BRPOPLPUSH
for my $from ('LEFT', 'RIGHT') {
    for my $to ('LEFT', 'RIGHT') {
        seq([qw(RPUSH k1 a b c)], ['BLMOVE', 'k1', 'k1', $from, $to, 0],
            [qw(LRANGE k1 0 -1)]);
        seq([qw(RPUSH k1 a b c)], ['BLMOVE', 'k1', 'k2', $from, $to, 0],
            [qw(LRANGE k1 0 -1)], [qw(LRANGE k2 0 -1)]);
        seq([qw(RPUSH k1 a b c)], [qw(RPUSH k3 x y)],
            ['BLMOVE', 'k1', 'k3', $from, $to, 0],
            ['BLMOVE', 'k1', 'k3', $from, $to, '0.01'],
            [qw(LRANGE k1 0 -1)], [qw(LRANGE k3 0 -1)]);
        seq([qw(RPUSH k1 a)], ['BLMOVE', 'k1', 'k2', $from, $to, 0],
            [qw(EXISTS k1)], [qw(LRANGE k2 0 -1)]);
        seq([qw(RPUSH k1 a)], ['BLMOVE', 'k1', 'k1', $from, $to, 0],
            [qw(LRANGE k1 0 -1)]);
    }
}
seq([qw(RPUSH k1 a b c)], [qw(BRPOPLPUSH k1 k1 0)], [qw(LRANGE k1 0 -1)]);
seq([qw(RPUSH k1 a b c)], [qw(BRPOPLPUSH k1 k2 0)], [qw(BRPOPLPUSH k1 k2 0)],
    [qw(LRANGE k1 0 -1)], [qw(LRANGE k2 0 -1)]);
seq([qw(RPUSH k1 a)], [qw(RPUSH k4 z)], [qw(BRPOPLPUSH k1 k4 0)],
    [qw(EXISTS k1)], [qw(LRANGE k4 0 -1)]);
for my $dst ([qw(SET k2 s)], [qw(ZADD k2 1 m)], [qw(HSET k2 f v)]) {
    seq([qw(RPUSH k1 a b)], $dst, [qw(BLMOVE k1 k2 LEFT RIGHT 0)],
        [qw(BRPOPLPUSH k1 k2 0)], [qw(BLMOVE k1 k2 RIGHT LEFT 0.01)],
        [qw(LRANGE k1 0 -1)], [qw(TYPE k2)]);
}
seq([qw(SET k1 s)], [qw(BLMOVE k1 k2 LEFT RIGHT 0)], [qw(BRPOPLPUSH k1 k2 0)],
    [qw(EXISTS k2)]);
seq([qw(SET k1 s)], [qw(SET k2 s)], [qw(BLMOVE k1 k2 LEFT RIGHT 0)]);
seq(['RPUSH', 'k1', $BIN1, $BIN2, $BIN3, $LONG],
    (map { ['BLMOVE', 'k1', 'k2', 'LEFT', 'RIGHT', 0] } 1 .. 4),
    [qw(LRANGE k2 0 -1)], [qw(EXISTS k1)]);
seq(['RPUSH', $BIN1, 'v'], ['BLMOVE', $BIN1, $BIN3, 'RIGHT', 'LEFT', 0],
    ['LRANGE', $BIN3, 0, -1], ['EXISTS', $BIN1]);

# ================================================================ 3. timeouts

for my $t ('0.01', '0.001', '1e-3', '0x0.1p-5', '.001', '0.0001', '1e-300') {
    add('timeout ' . vis($t) . ' on missing keys',
        PAR(qr/^(?:\*-1\r\n\| ){9}\*-1\r\n\z/, forms($t)),
        [qw(EXISTS k1 k2 k3 k4)]);
}
# A wrong type after missing keys is an error; missing keys alone time out.
for my $wt ([qw(SET k2 s)], [qw(HSET k2 f v)]) {
    seq($wt, [qw(BLPOP k1 k2 0.01)], [qw(BRPOP k1 k2 0.01)],
        [qw(BLMPOP 0.01 2 k1 k2 LEFT)], [qw(BLMPOP 0.01 2 k2 k1 LEFT)],
        [qw(BZPOPMIN k1 k2 0.01)], [qw(BZPOPMAX k1 k2 0.01)],
        [qw(BZMPOP 0.01 2 k1 k2 MIN)], [qw(BLMOVE k2 k1 LEFT LEFT 0.01)],
        [qw(BRPOPLPUSH k2 k1 0.01)],
        [qw(BLPOP k1 k3 0.01)], [qw(BZPOPMIN k1 k3 0.01)],
        [qw(BLMPOP 0.01 2 k1 k3 LEFT)], [qw(BZMPOP 0.01 2 k3 k1 MAX)]);
}
seq([qw(ZADD k2 1 a)], [qw(BLPOP k1 k2 0.01)], [qw(BLMPOP 0.01 2 k1 k2 RIGHT)],
    [qw(BLMOVE k2 k1 LEFT LEFT 0.01)], [qw(BZPOPMIN k1 k3 0.01)]);
seq([qw(RPUSH k2 a)], [qw(BZPOPMIN k1 k2 0.01)], [qw(BZMPOP 0.01 2 k1 k2 MIN)],
    [qw(BLPOP k1 k3 0.01)]);
# BLMOVE waits for its source only: a wrong-type destination times out.
seq([qw(SET k2 s)], [qw(BLMOVE k1 k2 LEFT RIGHT 0.01)],
    [qw(BRPOPLPUSH k1 k2 0.01)], [qw(GET k2)], [qw(EXISTS k1)]);
# The timeout reply on the same connection, then more commands.
seq([qw(BLPOP k1 0.01)], ['PING'], [qw(BZPOPMIN k1 0.01)], [qw(RPUSH k1 a)],
    [qw(BLPOP k1 0.01)], [qw(BLPOP k1 0.01)]);
push @cases, ['pipelined: timeouts in one write',
    [ [qw(BLPOP k1 0.01)], ['PING'], [qw(BRPOP k2 0.01)], [qw(RPUSH k1 x)],
      [qw(BLMPOP 0.01 2 k2 k1 LEFT)], [qw(BZMPOP 0.01 1 k3 MIN)],
      [qw(BLMOVE k1 k2 LEFT LEFT 0.01)], ['PING'] ], pipeline => 1];

# ================================================================ 4. wake-ups

# One waiter per command, woken by the push that suits it.
scen('BLPOP woken by RPUSH',
    B('A', 'BLPOP', 'k1', $T), [qw(RPUSH k1 a)], R('A'), [qw(EXISTS k1)]);
scen('BLPOP (timeout 0) woken; LLEN right after the push',
    B('A', 'BLPOP', 'k1', 0), [qw(RPUSH k1 a b)], [qw(LLEN k1)], R('A'),
    [qw(LRANGE k1 0 -1)]);
scen('BRPOP woken by LPUSH of three',
    B('A', 'BRPOP', 'k2', $T), [qw(LPUSH k2 a b c)], R('A'),
    [qw(LRANGE k2 0 -1)]);
scen('BLPOP on 3 keys, push to the 2nd',
    B('A', 'BLPOP', 'k1', 'k2', 'k3', $T), [qw(RPUSH k2 x)], R('A'),
    [qw(EXISTS k1 k2 k3)]);
scen('BRPOP on 3 keys, push to the 3rd, then the 1st',
    B('A', 'BRPOP', 'k1', 'k2', 'k3', $T), [qw(RPUSH k3 x y)], R('A'),
    [qw(RPUSH k1 z)], [qw(LRANGE k3 0 -1)], [qw(LRANGE k1 0 -1)]);
scen('BLPOP k1 k1 k1 woken once',
    B('A', 'BLPOP', 'k1', 'k1', 'k1', $T), [qw(RPUSH k1 x y)], R('A'),
    [qw(LRANGE k1 0 -1)]);
scen('BLMOVE woken, element at a new destination',
    B('A', 'BLMOVE', 'k1', 'k2', 'RIGHT', 'LEFT', $T), [qw(RPUSH k1 a b)],
    R('A'), [qw(LRANGE k1 0 -1)], [qw(LRANGE k2 0 -1)]);
scen('BLMOVE woken, element at an existing destination',
    [qw(RPUSH k4 x y)], B('A', 'BLMOVE', 'k3', 'k4', 'LEFT', 'LEFT', $T),
    [qw(RPUSH k3 a)], R('A'), [qw(EXISTS k3)], [qw(LRANGE k4 0 -1)]);
scen('BLMOVE same key woken (rotation)',
    B('A', 'BLMOVE', 'k1', 'k1', 'LEFT', 'RIGHT', $T), [qw(RPUSH k1 a)],
    R('A'), [qw(LRANGE k1 0 -1)]);
scen('BRPOPLPUSH woken',
    B('A', 'BRPOPLPUSH', 'k2', 'k1', $T), [qw(RPUSH k2 a b c)], R('A'),
    [qw(LRANGE k2 0 -1)], [qw(LRANGE k1 0 -1)]);
scen('BLMOVE waiter, destination became a string: WRONGTYPE, source kept',
    B('A', 'BLMOVE', 'k1', 'k2', 'LEFT', 'RIGHT', $T), [qw(SET k2 s)],
    [qw(RPUSH k1 a)], R('A'), [qw(LRANGE k1 0 -1)], [qw(GET k2)]);
scen('BLMOVE wrong-type destination; the next waiter gets the element',
    [qw(SET k2 s)], B('A', 'BLMOVE', 'k1', 'k2', 'LEFT', 'RIGHT', $T),
    B('B', 'BLPOP', 'k1', $T), [qw(RPUSH k1 a)], R('A'), R('B'),
    [qw(EXISTS k1)]);
scen('BLMPOP COUNT woken by RPUSH of several',
    B('A', 'BLMPOP', $T, 2, 'k1', 'k2', 'LEFT', 'COUNT', 3),
    [qw(RPUSH k2 a b c d e)], R('A'), [qw(LRANGE k2 0 -1)]);
scen('BLMPOP RIGHT COUNT larger than the push',
    B('A', 'BLMPOP', $T, 1, 'k3', 'RIGHT', 'COUNT', 10),
    [qw(RPUSH k3 a b)], R('A'), [qw(EXISTS k3)]);
scen('BLMPOP without COUNT woken',
    B('A', 'BLMPOP', $T, 3, 'k1', 'k2', 'k3', 'RIGHT'),
    [qw(LPUSH k3 a b)], R('A'), [qw(LRANGE k3 0 -1)]);
scen('BZPOPMIN woken by ZADD of several',
    B('A', 'BZPOPMIN', 'k1', $T), [qw(ZADD k1 3 c 1 a 2 b)], R('A'),
    [qw(ZRANGE k1 0 -1 WITHSCORES)]);
scen('BZPOPMAX on 2 keys woken by ZADD on the 2nd',
    B('A', 'BZPOPMAX', 'k3', 'k4', $T), [qw(ZADD k4 1.5 a inf b)], R('A'),
    [qw(ZRANGE k4 0 -1 WITHSCORES)]);
scen('BZPOPMIN woken, score -inf',
    B('A', 'BZPOPMIN', 'k2', $T), [qw(ZADD k2 -inf a)], R('A'),
    [qw(EXISTS k2)]);
scen('BZMPOP MAX COUNT woken by ZADD of several',
    B('A', 'BZMPOP', $T, 2, 'k1', 'k2', 'MAX', 'COUNT', 2),
    [qw(ZADD k2 1 a 2 b 3 c 1e300 d)], R('A'),
    [qw(ZRANGE k2 0 -1 WITHSCORES)]);
scen('BZMPOP MIN woken',
    B('A', 'BZMPOP', $T, 1, 'k3', 'MIN'), [qw(ZADD k3 2 b 1 a)], R('A'),
    [qw(ZRANGE k3 0 -1 WITHSCORES)]);
scen('BZPOPMIN woken by ZINCRBY creating the key',
    B('A', 'BZPOPMIN', 'k1', $T), [qw(ZINCRBY k1 2.5 m)], R('A'));
scen('BZPOPMAX woken by ZADD INCR creating the key',
    B('A', 'BZPOPMAX', 'k4', $T), [qw(ZADD k4 INCR 7 m)], R('A'));
scen('ZADD XX and LPUSHX on the waited key do not create it',
    B('A', 'BZPOPMIN', 'k1', $T), B('B', 'BLPOP', 'k2', $T),
    [qw(ZADD k1 XX 1 m)], [qw(LPUSHX k2 a)], [qw(RPUSHX k2 a)],
    Q('A'), Q('B'), [qw(ZADD k1 1 m)], [qw(RPUSH k2 a)], R('A'), R('B'));
scen('binary element and key woken',
    B('A', 'BLPOP', $BIN3, $T), ['RPUSH', $BIN3, $BIN1, $BIN2], R('A'),
    ['LRANGE', $BIN3, 0, -1]);
scen('long element woken',
    B('A', 'BRPOP', 'k2', $T), ['RPUSH', 'k2', $LONG], R('A'));
scen('long member woken (BZMPOP)',
    B('A', 'BZMPOP', $T, 1, 'k2', 'MIN'), ['ZADD', 'k2', 1, $LONG], R('A'));

# The push and the serving of the waiters are one step: a command
# pipelined right behind the push finds the data taken.
sub PIPE (@cmds) {
    return { raw => join('', map { Kevyd::Conn::encode(@$_) } @cmds),
             replies => scalar @cmds };
}
scen('RPUSH and LPOP in one write: the waiter gets the element',
    B('A', 'BLPOP', 'k1', $T), PIPE([qw(RPUSH k1 x)], [qw(LPOP k1)]),
    R('A', 1), [qw(EXISTS k1)]);
scen('LPUSH of three, two waiters, LRANGE in the same write',
    B('A', 'BRPOP', 'k2', $T), B('B', 'BLPOP', 'k2', $T),
    PIPE([qw(LPUSH k2 a b c)], [qw(LRANGE k2 0 -1)], [qw(LLEN k2)]),
    R('A', 1), R('B', 1));
scen('ZADD and ZPOPMIN in one write: the waiter gets the member',
    B('A', 'BZPOPMIN', 'k3', $T), PIPE([qw(ZADD k3 1 a 2 b)], [qw(ZPOPMIN k3)],
    [qw(ZCARD k3)]), R('A', 1));
scen('the pusher blocks right after its push: the earlier waiter wins',
    B('A', 'BLPOP', 'k4', $T),
    PIPE([qw(RPUSH k4 x)], [qw(BLPOP k4 0.05)], [qw(EXISTS k4)]), R('A', 1));
# (A move's keys share a shard here: between shards, a move is served a
# round trip after the push; kevyd.8 and t/blocking.t.)
scen('RPUSH and DEL in one write: the waiter still gets the element',
    B('A', 'BLMOVE', '{d}1', '{d}2', 'LEFT', 'LEFT', $T),
    PIPE([qw(RPUSH {d}1 x y)], [qw(DEL {d}1)], [qw(LRANGE {d}2 0 -1)]),
    R('A', 1));

# FIFO: the waiters blocked first are served first.
scen('LPUSH a b c, two BLPOP waiters',
    B('A', 'BLPOP', 'k1', $T), B('B', 'BLPOP', 'k1', $T),
    [qw(LPUSH k1 a b c)], R('A'), R('B'), [qw(LRANGE k1 0 -1)]);
scen('LPUSH a b c, three BLPOP waiters',
    B('A', 'BLPOP', 'k1', $T), B('B', 'BLPOP', 'k1', $T),
    B('C', 'BLPOP', 'k1', $T), [qw(LPUSH k1 a b c)], R('A'), R('B'), R('C'),
    [qw(EXISTS k1)]);
scen('RPUSH a b c, BLPOP BRPOP BLPOP waiters',
    B('A', 'BLPOP', 'k2', $T), B('B', 'BRPOP', 'k2', $T),
    B('C', 'BLPOP', 'k2', $T), [qw(RPUSH k2 a b c)], R('C'), R('B'), R('A'),
    [qw(EXISTS k2)]);
scen('RPUSH a b c d, four waiters of four kinds on keys of every shard',
    B('A', 'BLMOVE', 'k3', 'k4', 'RIGHT', 'LEFT', $T),
    B('B', 'BLMPOP', $T, 2, 'k1', 'k3', 'LEFT', 'COUNT', 2),
    B('C', 'BRPOPLPUSH', 'k3', 'k3', $T), B('D', 'BLPOP', 'k2', 'k3', $T),
    [qw(RPUSH k3 a b c d)], R('A'), R('B'), R('C'), R('D'),
    [qw(LRANGE k3 0 -1)], [qw(LRANGE k4 0 -1)]);
scen('RPUSH of one element, two waiters: the second times out',
    B('A', 'BLPOP', 'k1', $T), B('B', 'BLPOP', 'k1', '0.5'),
    [qw(RPUSH k1 x)], R('A'), R('B'), [qw(EXISTS k1)]);
scen('RPUSH of one element, two waiters: the second waits for the next',
    B('A', 'BRPOP', 'k4', $T), B('B', 'BLPOP', 'k4', $T),
    [qw(RPUSH k4 x)], R('A'), Q('B'), [qw(RPUSH k4 y)], R('B'));
scen('two waiters, the first waits on two keys',
    B('A', 'BLPOP', 'k1', 'k2', $T), B('B', 'BLPOP', 'k2', $T),
    B('C', 'BLPOP', 'k1', $T), [qw(RPUSH k1 x)], R('A'), [qw(RPUSH k2 y)],
    R('B'), Q('C'), [qw(RPUSH k1 z)], R('C'));
scen('the first waiter served by another key leaves the line',
    B('A', 'BLPOP', 'k1', 'k2', 'k3', 'k4', $T), B('B', 'BLPOP', 'k4', $T),
    [qw(RPUSH k3 x)], R('A'), [qw(RPUSH k4 y)], R('B'), [qw(EXISTS k4)]);
scen('waiters of two types on one key',
    B('A', 'BZPOPMIN', 'k1', $T), B('B', 'BLPOP', 'k1', $T),
    B('C', 'BZPOPMAX', 'k1', $T), [qw(RPUSH k1 x)], R('B'), Q('A'),
    [qw(ZADD k1 1 a 2 b)], R('A'), R('C'), [qw(EXISTS k1)]);
scen('ZADD of three members, three BZPOPMIN/BZPOPMAX waiters',
    B('A', 'BZPOPMAX', 'k2', $T), B('B', 'BZPOPMIN', 'k2', $T),
    B('C', 'BZMPOP', $T, 1, 'k2', 'MAX', 'COUNT', 5),
    [qw(ZADD k2 1 a 2 b 3 c 4 d)], R('A'), R('B'), R('C'), [qw(EXISTS k2)]);
scen('BLMPOP COUNT waiters share a push in order',
    B('A', 'BLMPOP', $T, 1, 'k1', 'LEFT', 'COUNT', 2),
    B('B', 'BLMPOP', $T, 1, 'k1', 'RIGHT', 'COUNT', 2),
    B('C', 'BLPOP', 'k1', $T), [qw(RPUSH k1 a b c d e f)], R('A'), R('B'),
    R('C'), [qw(LRANGE k1 0 -1)]);
scen('BLMOVE same key, two waiters: both get the rotated element',
    B('A', 'BLMOVE', 'k1', 'k1', 'RIGHT', 'LEFT', $T),
    B('B', 'BLMOVE', 'k1', 'k1', 'LEFT', 'RIGHT', $T), [qw(RPUSH k1 x)],
    R('A'), R('B'), [qw(LRANGE k1 0 -1)]);
scen('BRPOPLPUSH same key then BLPOP: the element goes round then out',
    B('A', 'BRPOPLPUSH', 'k2', 'k2', $T), B('B', 'BLPOP', 'k2', $T),
    [qw(RPUSH k2 x y)], R('A'), R('B'), [qw(LRANGE k2 0 -1)]);

# Chains: what a BLMOVE pushes wakes the next waiter.
scen('chain: BLMOVE k1->k2, BLPOP k2; push to k1 wakes both',
    B('A', 'BLMOVE', 'k1', 'k2', 'LEFT', 'RIGHT', $T),
    B('B', 'BLPOP', 'k2', $T), [qw(RPUSH k1 x)], R('A'), R('B'),
    [qw(EXISTS k1 k2)]);
scen('chain of three moves across shards',
    B('A', 'BLMOVE', 'k1', 'k2', 'LEFT', 'RIGHT', $T),
    B('B', 'BRPOPLPUSH', 'k2', 'k3', $T),
    B('C', 'BLMOVE', 'k3', 'k4', 'RIGHT', 'RIGHT', $T),
    B('D', 'BLMPOP', $T, 1, 'k4', 'LEFT', 'COUNT', 5),
    [qw(RPUSH k1 x y)], R('A'), R('B'), R('C'), R('D'),
    [qw(LRANGE k1 0 -1)], [qw(EXISTS k2 k3 k4)]);
scen('chain: the waiter on the destination blocked first',
    B('B', 'BLPOP', 'k4', $T),
    B('A', 'BLMOVE', 'k2', 'k4', 'LEFT', 'LEFT', $T),
    [qw(LPUSH k2 a b)], R('A'), R('B'), [qw(LRANGE k2 0 -1)], [qw(EXISTS k4)]);
scen('chain in a circle: k1->k2 and k2->k1',
    B('A', 'BLMOVE', 'k1', 'k2', 'LEFT', 'RIGHT', $T),
    B('B', 'BLMOVE', 'k2', 'k1', 'LEFT', 'RIGHT', $T),
    [qw(RPUSH k1 x)], R('A'), R('B'), [qw(LRANGE k1 0 -1)],
    [qw(EXISTS k2)]);
# Redis serves every waiter of the key that got data (while it has some)
# before the keys that those moves filled: a client waiting on both the
# source and the destination is served from the source.
# (On one shard: see above.)
scen('chain: source FIFO first, a waiter on source and destination',
    B('C', 'BLMOVE', '{f}2', '{f}1', 'RIGHT', 'LEFT', $T),
    B('A', 'BRPOP', '{f}2', '{f}1', $T),
    B('B', 'BLMOVE', '{f}2', '{f}5', 'RIGHT', 'LEFT', $T),
    [qw(RPUSH {f}2 x y)], R('C'), R('A'), Q('B'), [qw(LRANGE {f}1 0 -1)],
    [qw(EXISTS {f}2 {f}5)]);
scen('chain: two moves into one key, then its waiter',
    B('D', 'BLMOVE', '{g}3', '{g}1', 'LEFT', 'LEFT', $T),
    B('E', 'BLMOVE', '{g}3', '{g}1', 'RIGHT', 'LEFT', $T),
    B('C', 'BLPOP', '{g}3', '{g}1', $T),
    [qw(LPUSH {g}3 a b)], R('D'), R('E'), R('C'), [qw(LRANGE {g}1 0 -1)],
    [qw(EXISTS {g}3)]);
scen('an immediate BLMOVE to a waited key wakes its waiter',
    [qw(RPUSH k1 a b)], B('A', 'BLPOP', 'k2', $T),
    S('B', 'BLMOVE', 'k1', 'k2', 'LEFT', 'RIGHT', $T), R('B'), R('A'),
    [qw(LRANGE k1 0 -1)], [qw(EXISTS k2)]);

# Keys that get data of another type, or by other commands.
scen('a list waiter stays blocked through SET and ZADD, then a list',
    B('A', 'BLPOP', 'k1', $T), [qw(SET k1 s)], Q('A'), [qw(DEL k1)],
    [qw(ZADD k1 1 m)], Q('A'), [qw(DEL k1)], [qw(RPUSH k1 x)], R('A'));
scen('a zset waiter stays blocked through a list, then a zset',
    B('A', 'BZPOPMIN', 'k2', $T), [qw(RPUSH k2 l)], Q('A'), [qw(DEL k2)],
    [qw(HSET k2 f v)], Q('A'), [qw(DEL k2)], [qw(ZADD k2 1 m)], R('A'));
scen('a list waiter with a list key that turned into a zset: timeout',
    B('A', 'BLPOP', 'k1', '0.5'), [qw(ZADD k1 1 m)], R('A'),
    [qw(TYPE k1)]);
scen('a waiter on two keys: one becomes a string, the other gets data',
    B('A', 'BLPOP', 'k1', 'k2', $T), [qw(SET k1 s)], [qw(RPUSH k2 x)],
    R('A'), [qw(GET k1)]);
scen('RENAME makes the waited key',
    [qw(RPUSH k1 a b)], B('A', 'BLPOP', 'k2', $T), [qw(RENAME k1 k2)],
    R('A'), [qw(LRANGE k2 0 -1)], [qw(EXISTS k1)]);
scen('RENAME of a zset makes the waited key',
    [qw(ZADD k3 1 a 2 b)], B('A', 'BZPOPMAX', 'k1', $T),
    [qw(RENAME k3 k1)], R('A'), [qw(ZRANGE k1 0 -1 WITHSCORES)]);
scen('RENAME of a string onto the waited key does not wake it',
    [qw(SET k1 s)], B('A', 'BLPOP', 'k2', $T), [qw(RENAME k1 k2)], Q('A'),
    [qw(DEL k2)], [qw(RPUSH k2 x)], R('A'));
scen('LMOVE makes the waited key',
    [qw(RPUSH k1 a b)], B('A', 'BRPOP', 'k3', $T),
    [qw(LMOVE k1 k3 LEFT RIGHT)], R('A'), [qw(LRANGE k1 0 -1)],
    [qw(EXISTS k3)]);
scen('DEL and non-blocking pops do not wake a waiter',
    [qw(RPUSH k1 a)], B('A', 'BLPOP', 'k2', $T), [qw(DEL k2)],
    [qw(LPOP k2)], [qw(LMOVE k2 k1 LEFT LEFT)], Q('A'), [qw(RPUSH k2 z)],
    R('A'));

# Expired keys are missing keys.
scen('an expired list does not serve; a push recreates the key and wakes',
    [qw(RPUSH k1 old)], [qw(PEXPIRE k1 30)], { sleep => 0.1 },
    [qw(BLPOP k1 0.01)], B('A', 'BLPOP', 'k1', $T), [qw(RPUSH k1 new)],
    R('A'), [qw(EXISTS k1)]);
scen('an expired zset does not serve; ZADD recreates it and wakes',
    [qw(ZADD k2 1 old)], [qw(PEXPIRE k2 30)], { sleep => 0.1 },
    B('A', 'BZMPOP', $T, 1, 'k2', 'MIN', 'COUNT', 5), [qw(ZADD k2 2 new)],
    R('A'), [qw(EXISTS k2)]);
scen('an expired destination: BLMOVE makes a new list',
    [qw(RPUSH k4 old)], [qw(PEXPIRE k4 30)], { sleep => 0.1 },
    B('A', 'BLMOVE', 'k3', 'k4', 'LEFT', 'RIGHT', $T), [qw(RPUSH k3 x)],
    R('A'), [qw(LRANGE k4 0 -1)]);
scen('a string set while a client waits expires; the push wakes it',
    B('A', 'BLPOP', 'k1', $T), [qw(SET k1 s PX 30)], { sleep => 0.1 },
    [qw(RPUSH k1 x)], R('A'), [qw(EXISTS k1)]);

# Flushes and kills while clients wait.
scen('FLUSHALL keeps the waiters',
    B('A', 'BLPOP', 'k1', $T), B('B', 'BZPOPMIN', 'k2', $T), ['FLUSHALL'],
    [qw(RPUSH k1 x)], [qw(ZADD k2 1 m)], R('A'), R('B'));
scen('FLUSHDB keeps the waiters',
    B('A', 'BRPOP', 'k3', 'k4', $T), ['FLUSHDB'], [qw(RPUSH k4 x)], R('A'));
scen('CLIENT KILL of a waiter: the element stays',
    B('A', 'BLPOP', 'k1', $T), { what => 'kill A', check => agree(qr/^:1/),
        code => sub ($c) {
            my $w = waiter($c, 'A');
            my $r = $c->cmd('CLIENT', 'KILL', 'ID', $w->{id}) // '(none)';
            return $r . until_gone($c, $w->{id});
        } },
    [qw(RPUSH k1 x)], [qw(LRANGE k1 0 -1)]);

# Many keys, many waiters, odd timeouts.
scen('a waiter on 60 keys woken by the last',
    B('A', 'BLPOP', (map { "k$_" } 1 .. 60), $T), [qw(RPUSH k60 x)], R('A'),
    B('A', 'BLMPOP', $T, 60, (map { "k$_" } 1 .. 60), 'RIGHT', 'COUNT', 2),
    [qw(RPUSH k31 a b c)], R('A'), [qw(LRANGE k31 0 -1)]);
scen('30 waiters on one key, one push of 30',
    (map { B("W$_", $_ % 3 ? 'BLPOP' : 'BRPOP', 'k2', $T) } 1 .. 30),
    ['RPUSH', 'k2', map { "e$_" } 1 .. 30], (map { R("W$_") } 1 .. 30),
    [qw(EXISTS k2)]);
scen('30 waiters, 30 pushes of one',
    (map { B("W$_", 'BZPOPMAX', "k$_", 'k0', $T) } 1 .. 30),
    (map { ['ZADD', 'k0', $_, "m$_"] } 1 .. 30), (map { R("W$_") } 1 .. 30),
    [qw(EXISTS k0)]);
scen('huge and tiny timeouts, woken',
    B('A', 'BLPOP', 'k1', '9223372036854775'),
    B('B', 'BLPOP', 'k1', '-0.0009'), B('C', 'BLPOP', 'k1', '0x10'),
    B('D', 'BLPOP', 'k1', '1E3'), [qw(RPUSH k1 a b c d)], R('A'), R('B'),
    R('C'), R('D'));

# Databases.
scen('SWAPDB brings the waited key',
    [qw(SELECT 1)], [qw(RPUSH k1 x)], [qw(SELECT 0)],
    B('A', 'BLPOP', 'k1', $T), [qw(SWAPDB 0 1)], R('A'), [qw(EXISTS k1)],
    [qw(SELECT 1)], [qw(EXISTS k1)]);
scen('SWAPDB brings a zset to a BZPOPMIN waiter in db 1',
    [qw(ZADD k2 1 a)], WC('A', 'SELECT', 1), B('A', 'BZPOPMIN', 'k2', $T),
    [qw(SWAPDB 1 0)], R('A'), [qw(EXISTS k2)], [qw(SELECT 1)],
    [qw(EXISTS k2)]);
scen('a waiter in db 1 is not woken by a push in db 0',
    WC('A', 'SELECT', 1), B('A', 'BLPOP', 'k1', $T), [qw(RPUSH k1 x)],
    Q('A'), [qw(SELECT 1)], [qw(RPUSH k1 y)], R('A'), [qw(SELECT 0)],
    [qw(LRANGE k1 0 -1)]);

# Pipelined commands behind a blocked one run after it, in order.
scen('BLPOP PING LLEN in one write: answered after the push',
    SRAW('A', join '', map { Kevyd::Conn::encode(@$_) }
         ['BLPOP', 'k1', $T], ['PING'], ['LLEN', 'k1'], ['RPUSH', 'k1', 'z']),
    WB('A'), Q('A', 0.1), [qw(LLEN k1)], [qw(RPUSH k1 a b)], R('A'), R('A'),
    R('A'), R('A'), [qw(LRANGE k1 0 -1)]);
scen('two blocking commands in one write block one after the other',
    SRAW('A', join '', map { Kevyd::Conn::encode(@$_) }
         ['BLPOP', 'k1', $T], ['BZPOPMIN', 'k2', $T], ['ECHO', 'done']),
    WB('A'), [qw(RPUSH k1 a)], R('A'), WB('A'), Q('A'),
    [qw(ZADD k2 1 m)], R('A'), R('A'));
scen('a pipeline whose first command serves the blocking second',
    SRAW('A', join '', map { Kevyd::Conn::encode(@$_) }
         ['RPUSH', 'k3', 'a'], ['BLPOP', 'k3', $T], ['BLPOP', 'k3', '0.01'],
         ['PING']),
    R('A'), R('A'), R('A'), R('A'));
scen('timeout, then the pipelined commands',
    SRAW('A', join '', map { Kevyd::Conn::encode(@$_) }
         ['BRPOP', 'k2', '0.05'], ['RPUSH', 'k2', 'x'], ['LLEN', 'k2']),
    R('A'), R('A'), R('A'), [qw(LRANGE k2 0 -1)]);

# Disconnects and timeouts before the push: the element stays.
scen('a waiter that disconnected does not take the element',
    B('A', 'BLPOP', 'k1', $T), X('A'), [qw(RPUSH k1 x)], [qw(LRANGE k1 0 -1)]);
scen('of two waiters the first disconnected: the second gets it',
    B('A', 'BLMOVE', 'k2', 'k3', 'LEFT', 'LEFT', $T),
    B('B', 'BLPOP', 'k2', $T), X('A'), [qw(RPUSH k2 x)], R('B'),
    [qw(EXISTS k2 k3)]);
scen('a BZMPOP waiter disconnected',
    B('A', 'BZMPOP', $T, 2, 'k3', 'k4', 'MIN', 'COUNT', 2), X('A'),
    [qw(ZADD k4 1 a 2 b)], [qw(ZRANGE k4 0 -1)]);
scen('a waiter whose timeout expired does not take the element',
    B('A', 'BLPOP', 'k1', 'k2', '0.4'), R('A'), [qw(RPUSH k2 x)],
    [qw(LRANGE k2 0 -1)]);
scen('a timed-out BZPOPMAX waiter and a later one',
    B('A', 'BZPOPMAX', 'k3', '0.4'), B('B', 'BZPOPMAX', 'k3', $T), R('A'),
    [qw(ZADD k3 1 a 2 b)], R('B'), [qw(ZRANGE k3 0 -1)]);
scen('a timed-out waiter blocks again and is woken',
    B('A', 'BRPOPLPUSH', 'k4', 'k1', '0.4'), R('A'),
    B('A', 'BRPOPLPUSH', 'k4', 'k1', $T), [qw(RPUSH k4 a)], R('A'),
    [qw(LRANGE k1 0 -1)]);

# Waiters at every worker on keys of every shard.
{
    my @steps = map { HOME("H$_", $_) } 0 .. 3;
    push @steps, B("H$_", 'BLPOP', "k" . (4 - $_), "k" . (1 + $_), $T)
        for 0 .. 3;
    push @steps, [qw(RPUSH k1 a)], [qw(RPUSH k2 b)], [qw(RPUSH k3 c)],
        [qw(RPUSH k4 d)], (map { R("H$_") } 0 .. 3), [qw(EXISTS k1 k2 k3 k4)];
    scen('waiters at every worker, keys on every shard', @steps);
}
{
    my @steps = map { HOME("H$_", $_) } 0 .. 7;
    push @steps, B("H$_", $_ % 2 ? 'BRPOP' : 'BLPOP', 'k2', $T) for 0 .. 7;
    push @steps, ['RPUSH', 'k2', 1 .. 8], (map { R("H$_") } 0 .. 7),
        [qw(EXISTS k2)];
    scen('eight waiters at every worker, one key, one push', @steps);
}
{
    my @steps = map { HOME("H$_", $_) } 0 .. 3;
    push @steps, B("H$_", 'BLMOVE', "k" . (1 + $_), "k" . (2 + $_), 'LEFT',
                   'RIGHT', $T) for 0 .. 3;
    push @steps, HOME('Z', 1),
        B('Z', 'BLMPOP', $T, 1, 'k5', 'LEFT', 'COUNT', 9),
        [qw(RPUSH k1 x)], (map { R("H$_") } 0 .. 3), R('Z'),
        [qw(EXISTS k1 k2 k3 k4 k5)];
    scen('a chain of moves through every worker', @steps);
}

# ================================================================ 5. random

# A model of Redis 7.0's rules, good enough to know who is served: blocked
# clients in the order they blocked, a FIFO per key, the ready keys in the
# order they appeared, a BLMOVE that creates its destination makes it
# ready, a key of the wrong type serves nobody, a BLMOVE whose destination
# has the wrong type gets WRONGTYPE and leaves the element. Keys k1..k4
# are mostly lists and k5..k8 mostly zsets (both sets span every shard);
# now and then a command takes a key of the other set, or a string. In
# the last runs BLMOVE and BRPOPLPUSH move to k9, which nobody waits for:
# no chains there.
{
    my @LK = qw(k1 k2 k3 k4);
    my @ZK = qw(k5 k6 k7 k8);
    my @KEYS = (@LK, @ZK);
    my @SHOWN = (@KEYS, 'k9');
    my @NAMES = qw(A B C D E);
    my $RUNS = 6;        # with chains
    my $PLAIN = 3;       # without
    my $STEPS = 100;
    my %stat;

    for my $run (1 .. $RUNS + $PLAIN) {
        my $chains = $run <= $RUNS;
        # Moves between shards are not one step in kevyd (kevyd.8, KEYS,
        # SHARDS AND ATOMICITY; t/blocking.t checks them): runs with chains
        # keep their keys on one shard with a hash tag.
        my $tag = $chains ? '{c}' : '';
        my @LK = map { "$tag$_" } @LK;
        my @ZK = map { "$tag$_" } @ZK;
        my @KEYS = (@LK, @ZK);
        my @SHOWN = (@KEYS, "${tag}k9");
        my $seed = 20240611 + $run * 7919;
        my $rand = sub ($n) {
            $seed = ($seed * 1103515245 + 12345) % 2147483648;
            return int(($seed >> 8) % $n);
        };
        my $pick = sub (@from) { $from[ $rand->(scalar @from) ] };
        my $lkey = sub { $rand->(8) ? $pick->(@LK) : $pick->(@KEYS) };
        my $zkey = sub { $rand->(8) ? $pick->(@ZK) : $pick->(@KEYS) };
        my $elem = 0;
        my %db;          # key => { t => 'list'|'zset'|'string', v => ... }
        my @blocked;     # in the order they blocked
        my %busy;        # name => 1 while blocked
        my @steps;
        my @ready;

        my $len = sub ($k) {
            my $o = $db{$k} or return 0;
            return 1 if $o->{t} eq 'string';
            return $o->{t} eq 'list' ? scalar @{ $o->{v} }
                                     : scalar keys %{ $o->{v} };
        };
        my $drop_empty = sub ($k) { delete $db{$k} if $db{$k} && !$len->($k) };
        my $lpush = sub ($k, $where, @e) {
            return 0 if $db{$k} && $db{$k}{t} ne 'list';
            if (!$db{$k}) {
                $db{$k} = { t => 'list', v => [] };
                push @ready, $k;
            }
            if ($where eq 'LEFT') { unshift @{ $db{$k}{v} }, $_ for @e }
            else { push @{ $db{$k}{v} }, @e }
            return 1;
        };
        my $lpop = sub ($k, $where, $n) {
            my $v = $db{$k}{v};
            $n = @$v if $n > @$v;
            return $where eq 'LEFT' ? splice(@$v, 0, $n)
                                    : reverse splice(@$v, @$v - $n);
        };
        my $zpop = sub ($k, $where, $n) {
            my $v = $db{$k}{v};
            my @m = sort { $v->{$a} <=> $v->{$b} || $a cmp $b } keys %$v;
            @m = reverse @m if $where eq 'MAX';
            my @out = splice(@m, 0, $n);
            delete $v->{$_} for @out;
            return @out;
        };
        # Serve blocked client $b from key $k (of its type, with data).
        my $serve = sub ($b, $k) {
            my $c = $b->{cmd};
            my $op = $c->[0];
            if ($op eq 'BLMOVE' || $op eq 'BRPOPLPUSH') {
                my ($dst, $from, $to) = $op eq 'BLMOVE'
                    ? @$c[2 .. 4] : ($c->[2], 'RIGHT', 'LEFT');
                if ($db{$dst} && $db{$dst}{t} ne 'list') {
                    $stat{'served WRONGTYPE'}++;
                    return;
                }
                my ($e) = $lpop->($k, $from, 1);
                $lpush->($dst, $to, $e);
            } elsif ($op eq 'BLPOP' || $op eq 'BRPOP') {
                $lpop->($k, $op eq 'BLPOP' ? 'LEFT' : 'RIGHT', 1);
            } elsif ($op eq 'BLMPOP') {
                $lpop->($k, $b->{where}, $b->{count});
            } else {
                $zpop->($k, $b->{where}, $b->{count});
            }
            $drop_empty->($k);
        };
        # Serve the ready keys; the names of the clients served, in order.
        my $settle = sub () {
            my @served;
            while (@ready) {
                my $k = shift @ready;
                my @fifo = grep {
                    my $b = $_;
                    grep { $_ eq $k } @{ $b->{keys} }
                } @blocked;
                for my $b (@fifo) {
                    last unless $db{$k};
                    next unless $b->{blocked} && $db{$k}{t} eq $b->{type};
                    $serve->($b, $k);
                    $b->{blocked} = 0;
                    delete $busy{ $b->{name} };
                    push @served, $b->{name};
                }
                @blocked = grep { $_->{blocked} } @blocked;
            }
            $stat{woken} += @served;
            return map { R($_) } @served;
        };
        my $state = { what => 'state', code => sub ($c) {
            return join ' | ', map {
                my $t = parse($c->cmd('TYPE', $_)) // '?';
                my $v = $t eq 'list' ? $c->cmd('LRANGE', $_, 0, -1)
                      : $t eq 'zset'
                          ? $c->cmd('ZRANGE', $_, 0, -1, 'WITHSCORES')
                      : $t eq 'string' ? $c->cmd('GET', $_) : '';
                "$_ $t " . vis($v, 1000);
            } @SHOWN;
        } };

        for my $step (1 .. $STEPS) {
            my @idle = grep { !$busy{$_} } @NAMES;
            my $r = $rand->(20);
            if (@idle && $r < 9) {
                # a client blocks (or is answered at once)
                my $name = $pick->(@idle);
                my $timeout = $rand->(2) ? 0 : 30;
                my $kind = $rand->(8);
                my $type = $kind < 5 ? 'list' : 'zset';
                my $key = $type eq 'list' ? $lkey : $zkey;
                my @ks = map { $key->() } 0 .. $rand->(3);
                my %seen;
                my @uniq = grep { !$seen{$_}++ } @ks;
                my ($cmd, $where, $count);
                if ($kind == 0) {
                    $cmd = ['BLPOP', @ks, $timeout];
                } elsif ($kind == 1) {
                    $cmd = ['BRPOP', @ks, $timeout];
                } elsif ($kind == 2) {
                    my ($f, $t) = map { $pick->('LEFT', 'RIGHT') } 1, 2;
                    $cmd = ['BLMOVE', $ks[0], $chains ? $lkey->() : "${tag}k9", $f,
                            $t, $timeout];
                    @uniq = ($ks[0]);
                } elsif ($kind == 3) {
                    $cmd = ['BRPOPLPUSH', $ks[0], $chains ? $lkey->() : "${tag}k9",
                            $timeout];
                    @uniq = ($ks[0]);
                } elsif ($kind == 4) {
                    $where = $pick->('LEFT', 'RIGHT');
                    $count = 1 + $rand->(3);
                    $cmd = ['BLMPOP', $timeout, scalar @ks, @ks, $where,
                            ($count > 1 || $rand->(2) ? ('COUNT', $count)
                                                      : ())];
                } elsif ($kind == 5) {
                    $cmd = ['BZPOPMIN', @ks, $timeout];
                    ($where, $count) = ('MIN', 1);
                } elsif ($kind == 6) {
                    $cmd = ['BZPOPMAX', @ks, $timeout];
                    ($where, $count) = ('MAX', 1);
                } else {
                    $where = $pick->('MIN', 'MAX');
                    $count = 1 + $rand->(3);
                    $cmd = ['BZMPOP', $timeout, scalar @ks, @ks, $where,
                            ($count > 1 || $rand->(2) ? ('COUNT', $count)
                                                      : ())];
                }
                my $b = { name => $name, cmd => $cmd, type => $type,
                          keys => \@uniq, where => $where, count => $count,
                          blocked => 1 };
                # At once: the first existing key decides.
                my ($first) = grep { $db{$_} } @uniq;
                if (!$first) {
                    push @blocked, $b;
                    $busy{$name} = 1;
                    push @steps, B($name, @$cmd);
                    $stat{blocked}++;
                } else {
                    push @steps, S($name, @$cmd), R($name);
                    if ($db{$first}{t} eq $type) {
                        $serve->($b, $first);
                        push @steps, $settle->();
                        $stat{'at once'}++;
                    } else {
                        $stat{'WRONGTYPE at once'}++;
                    }
                }
            } elsif ($r < 19) {
                # the case's connection changes the data
                my $op = $rand->(40);
                my @cmd;
                if ($op < 10) {
                    my $k = $lkey->();
                    my $where = $pick->('LEFT', 'RIGHT');
                    my @e = map { 'e' . $elem++ } 0 .. $rand->(2);
                    @cmd = ($where eq 'LEFT' ? 'LPUSH' : 'RPUSH', $k, @e);
                    $lpush->($k, $where, @e);
                } elsif ($op < 18) {
                    my $k = $zkey->();
                    my %add = map { ('m' . $rand->(12) => 1 + $rand->(9)) }
                              0 .. $rand->(2);
                    @cmd = ('ZADD', $k, map { ($add{$_}, $_) } sort keys %add);
                    if (!$db{$k}) {
                        $db{$k} = { t => 'zset', v => {} };
                        push @ready, $k;
                    }
                    if ($db{$k}{t} eq 'zset') {
                        $db{$k}{v}{$_} = $add{$_} for keys %add;
                    }
                } elsif ($op < 22) {
                    my ($k, $dst) = ($lkey->(), $lkey->());
                    my ($f, $t) = map { $pick->('LEFT', 'RIGHT') } 1, 2;
                    @cmd = ('LMOVE', $k, $dst, $f, $t);
                    if ($db{$k} && $db{$k}{t} eq 'list'
                        && !($db{$dst} && $db{$dst}{t} ne 'list')) {
                        my ($e) = $lpop->($k, $f, 1);
                        $drop_empty->($k) if $k ne $dst;
                        $lpush->($dst, $t, $e);
                    }
                } elsif ($op < 28) {
                    my $k = $pick->(@KEYS);
                    @cmd = ('DEL', $k);
                    delete $db{$k};
                } elsif ($op < 34) {
                    my $k = $lkey->();
                    my $n = 1 + $rand->(4);
                    @cmd = ($pick->('LPOP', 'RPOP'), $k, $n);
                    if ($db{$k} && $db{$k}{t} eq 'list') {
                        $lpop->($k, $cmd[0] eq 'LPOP' ? 'LEFT' : 'RIGHT', $n);
                        $drop_empty->($k);
                    }
                } elsif ($op < 39) {
                    my $k = $zkey->();
                    my $n = 1 + $rand->(4);
                    @cmd = ($pick->('ZPOPMIN', 'ZPOPMAX'), $k, $n);
                    if ($db{$k} && $db{$k}{t} eq 'zset') {
                        $zpop->($k, $cmd[0] eq 'ZPOPMIN' ? 'MIN' : 'MAX', $n);
                        $drop_empty->($k);
                    }
                } else {
                    my $k = $pick->(@KEYS);
                    @cmd = ('SET', $k, 's');    # replaces any value
                    $db{$k} = { t => 'string' };
                }
                push @steps, [@cmd], $settle->();
            } else {
                # a blocked client goes away
                my @b = grep { $busy{$_} } @NAMES or next;
                my $name = $pick->(@b);
                delete $busy{$name};
                @blocked = grep { $_->{name} ne $name } @blocked;
                push @steps, X($name);
                $stat{disconnected}++;
            }
            push @steps, $state;
        }
        push @steps, map { Q($_, 0.02) } grep { $busy{$_} } @NAMES;
        scen("random run $run ($STEPS steps"
             . ($chains ? ')' : ', no chains)'), @steps);
    }
    note('random runs: ' . join ', ', map { "$_ $stat{$_}" } sort keys %stat)
        if $ENV{TEST_VERBOSE} || $ENV{DIFF_DUMP};
}

Diff::each_server(sub ($d) {
    ($WORKERS) = $d->label =~ /^w=(\d+)/;
    $WORKERS //= 1;
    $d->cases(@cases);
});

done_testing;
