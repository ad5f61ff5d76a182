#!/usr/bin/perl
# The commands of the first stage: PING, ECHO, QUIT, COMMAND COUNT, INFO
# server, unknown commands, inline commands; then the same requests sent to
# kevyd and to redis-server, compared byte for byte.

use v5.36;
use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use Kevyd qw(binary have_redis start_redis safety_alarm wait_for);

plan skip_all => 'objs/kevyd not built' unless -x binary();
safety_alarm(120);

# Show \r \n and non-printable bytes in test names and diagnostics.
sub vis ($s, $max = 80) {
    return '(none)' unless defined $s;
    my $len = length $s;
    $s = substr($s, 0, $max) . "...($len bytes)" if $len > $max;
    $s =~ s/([^\x20-\x7e])/sprintf('\\x%02x', ord $1)/ge;
    return $s;
}

# Exact comparison of replies, with readable diagnostics.
sub same ($got, $want, $name) {
    my $ok = defined $got && defined $want && $got eq $want
             || !defined $got && !defined $want;
    ok($ok, $name) or diag("     got: " . vis($got, 300) . "\n"
                           . "expected: " . vis($want, 300));
    return $ok;
}

# make check runs the suite once per backend (KEVYD_IO_BACKEND).
my $backend = $ENV{KEVYD_IO_BACKEND} || 'epoll';
my $k = Kevyd->new(conf => { 'io-backend' => $backend })->start;

# ------------------------------------------------------------ fixed replies

my @fixed = (
    [ ['PING'], "+PONG\r\n" ],
    [ ['ping'], "+PONG\r\n" ],
    [ ['pInG'], "+PONG\r\n" ],
    [ ['PING', 'hello'], "\$5\r\nhello\r\n" ],
    [ ['PING', ''], "\$0\r\n\r\n" ],
    [ ['PING', 'a', 'b'],
      "-ERR wrong number of arguments for 'ping' command\r\n" ],
    [ ['ECHO', 'hi'], "\$2\r\nhi\r\n" ],
    [ ['ECHO', ''], "\$0\r\n\r\n" ],
    [ ['ECHO', "a\r\nb\0c"], "\$6\r\na\r\nb\0c\r\n" ],
    [ ['ECHO'], "-ERR wrong number of arguments for 'echo' command\r\n" ],
    [ ['ECHO', 'a', 'b'],
      "-ERR wrong number of arguments for 'echo' command\r\n" ],
    [ ['EcHo'], "-ERR wrong number of arguments for 'echo' command\r\n" ],
    [ ['foo', 'a', 'b'],
      "-ERR unknown command 'foo', with args beginning with: 'a' 'b' \r\n" ],
    [ ['foo'], "-ERR unknown command 'foo', with args beginning with: \r\n" ],
    [ ['FoO', 'x'],
      "-ERR unknown command 'FoO', with args beginning with: 'x' \r\n" ],
);

my $c = $k->conn;
for my $t (@fixed) {
    my ($args, $want) = @$t;
    same($c->cmd(@$args), $want, 'kevyd: ' . vis("@$args"));
}

{
    my $big = 'x' x 100_000;
    same($c->cmd('ECHO', $big), "\$100000\r\n$big\r\n",
         'ECHO of 100000 bytes');
    $c = $k->conn;    # in case the stream is out of step now
}

# Pipelined: several commands in one write, replies in order.
{
    $c->raw(Kevyd::Conn::encode('PING') . Kevyd::Conn::encode('ECHO', 'one')
            . "PING\r\n" . Kevyd::Conn::encode('ECHO', 'two'));
    is($c->read_reply, "+PONG\r\n", 'pipeline: reply 1');
    is($c->read_reply, "\$3\r\none\r\n", 'pipeline: reply 2');
    is($c->read_reply, "+PONG\r\n", 'pipeline: reply 3 (inline)');
    is($c->read_reply, "\$3\r\ntwo\r\n", 'pipeline: reply 4');
}

# A command split in two at every position.
{
    my $req = Kevyd::Conn::encode('ECHO', 'split');
    my @bad;
    for my $i (1 .. length($req) - 1) {
        my $ci = $k->conn;
        $ci->raw(substr($req, 0, $i));
        select(undef, undef, undef, 0.03);
        $ci->raw(substr($req, $i));
        my $r = $ci->read_reply(2);
        push @bad, "$i: " . vis($r) unless ($r // '') eq "\$5\r\nsplit\r\n";
    }
    is(scalar @bad, 0, 'a command split in two at any byte')
        or diag(join "\n", 'split after byte N of ' . vis($req) . ':', @bad);
}

# Bulk arguments larger than one read.
for my $size (1000, 16 * 1024, 20000, 65536, 200_000) {
    my $ci = $k->conn;
    my $arg = join '', map { chr(65 + $_ % 26) } 1 .. $size;
    same($ci->cmd('ECHO', $arg), "\$$size\r\n$arg\r\n", "ECHO of $size bytes");
}

# A command split over many writes.
{
    my $req = Kevyd::Conn::encode('ECHO', 'split');
    for my $ch (split //, $req) {
        $c->raw($ch);
        select(undef, undef, undef, 0.002);
    }
    same($c->read_reply, "\$5\r\nsplit\r\n", 'one byte a write');
    $c = $k->conn;
}

# Inline commands.
{
    $c->raw("PING\r\n");
    is($c->read_reply, "+PONG\r\n", 'inline PING');
    $c->raw("PING\n");
    is($c->read_reply, "+PONG\r\n", 'inline PING ended by \n');
    $c->raw("ECHO hello\r\n");
    is($c->read_reply, "\$5\r\nhello\r\n", 'inline ECHO hello');
    $c->raw("ping  hey\r\n");
    is($c->read_reply, "\$3\r\nhey\r\n", 'inline ping with two spaces');
}

# QUIT: +OK, then the server closes.
{
    my $q = $k->conn;
    is($q->cmd('QUIT'), "+OK\r\n", 'QUIT answers +OK');
    ok($q->wait_eof(3), 'QUIT closes the connection');

    $q = $k->conn;
    $q->raw("QUIT\r\n");
    is($q->read_reply, "+OK\r\n", 'inline QUIT answers +OK');
    ok($q->wait_eof(3), 'inline QUIT closes the connection');
}

# COMMAND COUNT: an integer.
{
    my $r = $c->cmd('COMMAND', 'COUNT');
    like($r, qr/^:\d+\r\n$/, 'COMMAND COUNT is an integer');
    my ($n) = ($r // '') =~ /^:(\d+)/;
    cmp_ok($n // 0, '>=', 5, 'COMMAND COUNT counts at least 5 commands');
}

# INFO server.
my %worker_of;    # worker_id => process_id seen over many connections
{
    my $w = $k->worker_pids;
    for my $i (1 .. 40) {
        my $ci = $k->conn;
        my $r = $ci->cmd('INFO', 'server') // '';
        my ($len, $body) = $r =~ /^\$(\d+)\r\n(.*)\r\n\z/s;
        if ($i == 1) {
            ok(defined $body, 'INFO server is a bulk string')
                or diag(vis($r));
            $body //= '';
            is(length $body, $len // -1, 'INFO server: bulk length right');
            like($body, qr/\A# Server\r\n/, 'INFO server: "# Server" first');
            like($body, qr/^redis_version:\d+\.\d+\.\d+\r$/m,
                 'INFO server: redis_version');
            like($body, qr/^process_id:\d+\r$/m, 'INFO server: process_id');
            like($body, qr/^tcp_port:${\ $k->port}\r$/m,
                 'INFO server: tcp_port');
            my $api = $backend eq 'auto' ? qr/(?:io_uring|epoll)/
                                         : qr/\Q$backend\E/;
            like($body, qr/^multiplexing_api:$api\r$/m,
                 "INFO server: multiplexing_api:$backend");
            like($body, qr/^worker_processes:2\r$/m,
                 'INFO server: worker_processes:2');
            like($body, qr/^worker_id:[01]\r$/m, 'INFO server: worker_id');
            unlike($body, qr/^# (?!Server)/m, 'INFO server: one section');
        }
        my ($id) = $body =~ /^worker_id:(\d+)\r$/m;
        my ($pid) = $body =~ /^process_id:(\d+)\r$/m;
        $worker_of{$id} = $pid if defined $id;
    }
    is(join(',', sort keys %worker_of), '0,1',
       'over 40 connections both workers answered');
    for my $id (sort keys %worker_of) {
        is($worker_of{$id}, $w->{$id},
           "INFO of worker $id: process_id is that worker's pid");
    }
}

# ------------------------------------------------------------ differential

SKIP: {
    skip 'redis-server not installed', 1 unless have_redis();
    my $r = start_redis();

    my $long = 'L' x 200;
    my @cases = (
        ['PING'], ['ping'], ['pInG'], ['PING', 'hello'], ['PING', ''],
        ['PING', "\0\xff\r\nbin"], ['PING', 'x' x 1000], ['PING', 'a', 'b'],
        ['ECHO', 'hi'], ['ECHO', ''], ['ECHO', "\r\n"], ['ECHO', "\0"],
        ['ECHO'], ['ECHO', 'a', 'b'], ['ECHO', 'a', 'b', 'c'], ['eChO', 'z'],
        ['foo'], ['foo', 'a'], ['foo', 'a', 'b', 'c'], ['FOO', 'Bar'],
        ['foo', $long], ['foo', 'y' x 129, 'z'], ['foo', 'y' x 120, 'z' x 20],
        ['foo', 'a' x 60, 'b' x 60, 'c' x 60],
        [$long], [$long, 'a'], ['foo', "a\r\nb"], ["f\r\noo", 'x'], [''],
        ['', 'a'], ["\0"], ["bin\xff", "\xfe"], ['foo', "'quoted'"],
        ['PING ', 'x'],
    );
    my @raw = (
        "PING\r\n", "PING\n", "ping hello\r\n", "ECHO  spaced   words\r\n",
        "ECHO\r\n", "foo bar baz\r\n", "PING \"a b\"\r\n",
        "ECHO \"x\\ny\"\r\n", "ECHO 'single quoted'\r\n",
        "\r\nPING\r\n", "  PING  \r\n",
        "*1\r\n\$4\r\nPING\r\n*2\r\n\$4\r\nECHO\r\n\$1\r\nz\r\n",
        "*1\r\n\$4\r\nping\r\nPING\r\n",
    );

    my $ck = $k->conn;
    my $cr = $r->conn;
    for my $args (@cases) {
        my $want = $cr->cmd(@$args);
        my $got = $ck->cmd(@$args);
        same($got, $want, 'same as redis: ' . vis(join ' ', map { "[$_]" } @$args));
    }
    for my $bytes (@raw) {
        # Count the replies Redis gives, then expect as many from kevyd.
        $cr->raw($bytes);
        my @want;
        while (defined(my $x = $cr->read_reply(0.5))) { push @want, $x }
        $ck->raw($bytes);
        my @got;
        for (1 .. @want) { push @got, $ck->read_reply(3) // '(none)' }
        my $extra = $ck->read_reply(0.3);
        same(join('', @got), join('', @want),
             'same as redis (raw): ' . vis($bytes));
        ok(!defined $extra, 'no extra reply for ' . vis($bytes))
            or diag(vis($extra));
    }

    # QUIT on both.
    for my $s ($k, $r) {
        my $q = $s->conn;
        $s->{quit} = $q->cmd('QUIT');
        $s->{quit_eof} = $q->wait_eof(3);
    }
    is($k->{quit}, $r->{quit}, 'same as redis: QUIT');
    is($k->{quit_eof}, $r->{quit_eof}, 'same as redis: QUIT closes');
    $r->stop;
}

is($k->stop, 0, 'kevyd stops');

done_testing;
