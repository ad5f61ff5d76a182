#!/usr/bin/perl
# Connection and server commands against redis-server: PING, ECHO, TIME,
# COMMAND (COUNT, INFO, GETKEYS, DOCS), DBSIZE, CONFIG GET, INFO keyspace,
# HELLO, CLIENT, RESET, QUIT.

use v5.36;
use lib 't/lib';
use Test::More;
use Kevyd qw(safety_alarm);
use Diff qw(parse);

safety_alarm(180);

# Cases without keys skip the FLUSHALL; addk() is for cases with keys.
my @cases;
sub add ($name, @steps)  { push @cases, [ $name, \@steps, flush => 0 ] }
sub addk ($name, @steps) { push @cases, [ $name, \@steps ] }

# One command a case.
sub one (@args) { add(join(' ', @args), [@args]) }

# A predicate on the parsed kevyd reply.
sub want ($args, $pred) {
    return { cmd => $args, check => sub ($k, $r) { $pred->(parse($k)) } };
}

# CONFIG GET name... replies as a set of pairs.
sub pairs ($reply) {
    my $a = parse($reply);
    return undef unless ref $a eq 'ARRAY';
    my %h = @$a;
    return join ',', map { "$_=$h{$_}" } sort keys %h;
}

# Parsed data as one string (for comparing it).
sub canon ($d) {
    return 'nil' unless defined $d;
    return '[' . join(',', map { canon($_) } @$d) . ']' if ref $d eq 'ARRAY';
    return "err($d->{err})" if ref $d eq 'HASH' && exists $d->{err};
    return 'bad' if ref $d;
    return Diff::vis($d);
}

# COMMAND INFO with the subcommands (element 10, in dict order in Redis)
# sorted by name. kevyd has only some of Redis's subcommands (CLIENT,
# CONFIG ...): Redis's list is cut down to the names kevyd lists, and each
# of those must then be identical.
sub same_command_info ($k, $r) {
    my ($ki, $ri) = (parse($k), parse($r));
    return 0 unless ref $ki eq 'ARRAY' && ref $ri eq 'ARRAY' && @$ki == @$ri;
    for my $i (0 .. $#$ki) {
        my ($kc, $rc) = ($ki->[$i], $ri->[$i]);
        next unless ref $kc eq 'ARRAY' && ref $rc eq 'ARRAY';
        if (ref $kc->[9] eq 'ARRAY' && ref $rc->[9] eq 'ARRAY') {
            my %have = map { $_->[0] => 1 } @{ $kc->[9] };
            $rc->[9] = [ grep { $have{ $_->[0] } } @{ $rc->[9] } ];
            $_->[9] = [ sort { $a->[0] cmp $b->[0] } @{ $_->[9] } ]
                for $kc, $rc;
        }
    }
    return canon($ki) eq canon($ri);
}

# -------------------------------------------------- PING, ECHO

one('PING');
one('ping');
one('PING', 'hello');
one('PING', '');
one('PING', "bin\0\r\n");
one('PING', 'a', 'b');
one('ECHO', 'x');
one('ECHO', '');
one('ECHO', "a\r\nb\0");
one('ECHO', 'x' x 1000);
one('ECHO');
one('ECHO', 'a', 'b');

# -------------------------------------------------- TIME

add('TIME: seconds near now, microseconds below 1000000',
    want(['TIME'], sub ($t) {
        ref $t eq 'ARRAY' && @$t == 2 && $t->[0] =~ /^\d+$/
            && $t->[1] =~ /^\d+$/ && abs($t->[0] - time) <= 2
            && $t->[1] < 1_000_000;
    }));
one('TIME', 'x');

# -------------------------------------------------- COMMAND

add('COMMAND COUNT: an integer', { cmd => [qw(COMMAND COUNT)],
                                   check => \&Diff::is_int });
one(qw(COMMAND COUNT x));
one(qw(COMMAND FOO));
one(qw(COMMAND INFO nosuch));
one(qw(COMMAND INFO get set));
one(qw(COMMAND INFO get nosuch mset));
one(qw(COMMAND INFO GET));
for my $c (qw(get set setnx setex psetex getset getdel getex mget mset msetnx
              append strlen getrange substr setrange incr decr incrby decrby
              incrbyfloat lcs del unlink exists touch type expire pexpire
              expireat pexpireat ttl pttl expiretime pexpiretime persist keys
              randomkey dbsize flushdb flushall rename renamenx copy select
              move swapdb object scan ping echo time hello reset quit client
              config info command)) {
    add("COMMAND INFO $c", { cmd => ['COMMAND', 'INFO', $c],
                             check => \&same_command_info });
}
one(qw(COMMAND DOCS get));
one(qw(COMMAND DOCS set));
one(qw(COMMAND DOCS nosuch));

for my $g ([qw(set a b)], [qw(set a b EX 10)], [qw(mset a 1 b 2)],
           [qw(mset a 1 b)], [qw(mset a)], [qw(get a)], [qw(get a b)],
           [qw(get)], [qw(GET)], [qw(del a b c)], [qw(exists a a)],
           [qw(rename a b)], [qw(copy a b db 1)], [qw(lcs a b)],
           [qw(getex a ex 10)], [qw(object encoding k)], [qw(object)],
           [qw(object encoding)], [qw(msetnx {t}a 1 {t}b 2)],
           [qw(ping x)], [qw(echo x)], [qw(scan 0)], [qw(keys *)],
           [qw(nosuch a)], [qw(expire k 10)], [qw(touch a b)],
           [qw(setrange k 0 v)], [qw(incrbyfloat k 1.5)]) {
    one('COMMAND', 'GETKEYS', @$g);
}
one(qw(COMMAND GETKEYS));

# -------------------------------------------------- DBSIZE

addk('DBSIZE empty', ['DBSIZE']);
addk('DBSIZE after 100 keys over all slots',
    (map { ['SET', "key:$_", $_] } 1 .. 100), ['DBSIZE']);
addk('DBSIZE after MSET over slots and hash tags',
    ['MSET', map { ("{t$_}a", 1, "{t$_}b", 2, "k$_", 3) } 1 .. 20],
    ['DBSIZE'], ['DEL', map { "k$_" } 1 .. 10], ['DBSIZE']);
add('DBSIZE x', [qw(DBSIZE x)]);

# -------------------------------------------------- CONFIG GET

# (Not maxclients: redis-server lowers it to what ulimit -n allows.)
for my $p (qw(timeout tcp-keepalive tcp-backlog proto-max-bulk-len hz
              databases client-query-buffer-limit appendonly appendfsync
              save nosuch)) {
    one('CONFIG', 'GET', $p);
}
one(qw(CONFIG GET TIMEOUT));
one(qw(CONFIG GET SAVE));
one(qw(CONFIG GET sav*));
# What redis-benchmark asks before it starts (it warns without both).
add('CONFIG GET save appendonly: the same pairs',
    { cmd => [qw(CONFIG GET save appendonly)],
      check => sub ($k, $r) { (pairs($k) // 'k') eq (pairs($r) // 'r') } });
add('CONFIG GET several: the same pairs',
    { cmd => [qw(CONFIG GET timeout tcp-keepalive hz nosuch)],
      check => sub ($k, $r) { (pairs($k) // 'k') eq (pairs($r) // 'r') } });
add('CONFIG GET port: the port of the server', {
    code => sub ($c) {
        my $raw = $c->cmd(qw(CONFIG GET port));
        my $port = $c->sock->peerport;
        return ($raw // '') eq "*2\r\n\$4\r\nport\r\n\$" . length($port)
            . "\r\n$port\r\n" ? 'ok' : 'got ' . ($raw // '(none)');
    } });
one(qw(CONFIG GET));
one(qw(CONFIG));
one(qw(CONFIG FOO));
one(qw(CONFIG SET nosuch 1));

# -------------------------------------------------- INFO keyspace

addk('INFO keyspace, empty', [qw(INFO keyspace)]);
add('INFO nosuch', [qw(INFO nosuch)]);

# "# Keyspace\r\ndbN:keys=K,expires=E,avg_ttl=T\r\n...": keys and expires
# equal to redis's, avg_ttl (an estimate) at most $max.
sub keyspace ($max) {
    return sub ($k, $r) {
        my ($pk, $pr) = (parse($k), parse($r));
        return 0 unless defined $pk && !ref $pk;
        my $re = qr/^db(\d+):keys=(\d+),expires=(\d+),avg_ttl=(\d+)$/;
        my (@kl, @rl);
        for ([\@kl, $pk], [\@rl, $pr]) {
            my ($out, $text) = @$_;
            my @lines = split /\r\n/, $text;
            return 0 unless shift(@lines) eq '# Keyspace';
            for (@lines) {
                my @f = /$re/ or return 0;
                return 0 if $f[3] > $max;
                push @$out, "db$f[0]:$f[1],$f[2]";
            }
        }
        return "@kl" eq "@rl" && $pk =~ /\r\n\z/;
    };
}
addk('INFO keyspace: keys and expires of db0',
    (map { ['SET', "k$_", 'v'] } 1 .. 30),
    (map { ['SET', "e$_", 'v', 'EX', 1000] } 1 .. 7),
    { cmd => [qw(INFO keyspace)], check => keyspace(1_000_000) });
addk('INFO keyspace: db0 and db3',
    ['SET', 'a', 1], ['SELECT', 3], ['SET', 'b', 1, 'PX', 500000],
    ['SET', 'c', 1], { cmd => [qw(INFO keyspace)],
                       check => keyspace(500_000) });

# -------------------------------------------------- HELLO

# The HELLO 2 reply: redis's, but for the version and the id.
sub hello2 ($name) {
    return { cmd => ['HELLO', 2, ($name ? ('SETNAME', $name) : ())],
             check => sub ($k, $r) {
                 my ($pk, $pr) = (parse($k), parse($r));
                 return 0 unless ref $pk eq 'ARRAY' && @$pk == 14;
                 my %hk = @$pk;
                 my %hr = @$pr;
                 return 0 unless $hk{id} =~ /^\d+$/ && $hk{version} =~ /\S/
                     && $k =~ /\$2\r\nid\r\n:\d+\r\n/;
                 delete @hk{qw(id version)};
                 delete @hr{qw(id version)};
                 $_->{modules} = scalar @{ $_->{modules} } for \%hk, \%hr;
                 return join(',', %hk{sort keys %hk})
                     eq join(',', %hr{sort keys %hr})
                     && join(',', map { $pk->[$_ * 2] } 0 .. 6)
                     eq join(',', map { $pr->[$_ * 2] } 0 .. 6);
             } };
}
add('HELLO 2', hello2(''), ['PING']);
add('HELLO 2 SETNAME', hello2('conn1'), [qw(CLIENT GETNAME)]);
add('HELLO 2 twice', hello2(''), hello2(''));
one(qw(HELLO 4));
one(qw(HELLO 0));
one(qw(HELLO 1));
one(qw(HELLO -1));
one(qw(HELLO abc));
one(qw(HELLO 2 FOO));
one(qw(HELLO 2 SETNAME));
one('HELLO', 2, 'SETNAME', 'a b');
add('HELLO 3: kevyd refuses with an error and stays in RESP2',
    { cmd => [qw(HELLO 3)], check => \&Diff::is_error, only_kevyd => 1 },
    { cmd => ['PING'], check => sub ($k, $r) { $k eq "+PONG\r\n" },
      only_kevyd => 1 });

# -------------------------------------------------- CLIENT

add('CLIENT GETNAME without a name', [qw(CLIENT GETNAME)]);
add('CLIENT SETNAME / GETNAME', [qw(CLIENT SETNAME myname)],
    [qw(CLIENT GETNAME)]);
add('CLIENT SETNAME "" clears the name', [qw(CLIENT SETNAME x)],
    ['CLIENT', 'SETNAME', ''], [qw(CLIENT GETNAME)]);
for my $bad ('a b', "a\nb", "a\rb", "\x7f", "\x01", "caf\xc3\xa9") {
    add('CLIENT SETNAME ' . Diff::vis($bad), ['CLIENT', 'SETNAME', $bad],
        [qw(CLIENT GETNAME)]);
}
add('CLIENT SETNAME ~!@#$%^&*()', ['CLIENT', 'SETNAME', '~!@#$%^&*()'],
    [qw(CLIENT GETNAME)]);
one(qw(CLIENT SETNAME));
one(qw(CLIENT SETNAME a b));
one(qw(CLIENT GETNAME x));
one(qw(CLIENT ID x));
one(qw(CLIENT));
one(qw(CLIENT FOO));
add('CLIENT ID: an integer', { cmd => [qw(CLIENT ID)],
                               check => \&Diff::is_int });
add('CLIENT ID: two connections, two ids', { code => sub ($c) {
    my $other = Kevyd::Conn->new('127.0.0.1', $c->sock->peerport, 3);
    my ($ra, $rb) = ($c->cmd(qw(CLIENT ID)), $other->cmd(qw(CLIENT ID)));
    return Diff::is_int($ra) && Diff::is_int($rb) && $ra ne $rb ? 'ok'
        : 'replies ' . ($ra // '(none)') . ' and ' . ($rb // '(none)');
} });

# The CLIENT LIST / CLIENT INFO line of this connection.
sub client_line ($sub) {
    return { code => sub ($c) {
        my $set = $c->cmd(qw(CLIENT SETNAME lister));
        return "CLIENT SETNAME: " . ($set // "(none)")
            if ($set // "") ne "+OK\r\n";
        $c->cmd(qw(SELECT 2));
        my $rid = $c->cmd(qw(CLIENT ID));
        return 'CLIENT ID: ' . ($rid // '(none)') unless Diff::is_int($rid);
        my $id = parse($rid);
        my $text = parse($c->cmd('CLIENT', $sub));
        return 'not a string' if !defined $text || ref $text;
        return 'no final newline' unless $text =~ /\n\z/;
        my ($line) = grep { /^id=\Q$id\E / } split /\n/, $text;
        return 'no line with id=' . $id unless $line;
        my @want = ('name=lister', 'db=2', "cmd=client|\L$sub");
        my @miss = grep { $line !~ /(^| )\Q$_\E( |$)/ } @want;
        return @miss ? "missing @miss in $line" : 'ok';
    } };
}
add('CLIENT LIST: id= name= db= cmd= of this connection',
    client_line('LIST'));
add('CLIENT INFO: id= name= db= cmd=', client_line('INFO'));
one(qw(CLIENT LIST x));

# -------------------------------------------------- RESET, QUIT

one('RESET');
one(qw(RESET x));
addk('RESET clears the name and the db', [qw(CLIENT SETNAME n1)],
    [qw(SELECT 5)], [qw(SET k v)], ['RESET'], [qw(CLIENT GETNAME)],
    [qw(GET k)], [qw(SELECT 5)], [qw(GET k)]);
add('QUIT: +OK, then the connection closes',
    { raw => Kevyd::Conn::encode('QUIT'), replies => 1, eof => 1 });
add('QUIT with arguments',
    { raw => Kevyd::Conn::encode('QUIT', 'x'), replies => 1, eof => 1 });
add('inline QUIT', { raw => "QUIT\r\n", replies => 1, eof => 1 });
addk('QUIT after a pipeline of SET',
    { raw => join('', map { Kevyd::Conn::encode('SET', "q$_", $_) } 1 .. 20)
          . Kevyd::Conn::encode('QUIT'), replies => 21, eof => 1 },
    { reconnect => 1 }, ['MGET', map { "q$_" } 1 .. 20]);

Diff::each_server(sub ($d) { $d->cases(@cases) });

done_testing;
