#!/usr/bin/perl
# Client limits: maxclients over all workers, idle timeout, the query
# buffer limit and proto-max-bulk-len, and CLIENT KILL across workers.

use v5.36;
use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use Time::HiRes qw(sleep);
use Kevyd qw(safety_alarm wait_for);

safety_alarm(120);

{
    # Two workers, three clients at most: the fourth is told why and
    # closed, wherever the kernel sends it; closing one makes room again.
    my $k = Kevyd->new(conf => { 'worker-processes' => 2,
                                 maxclients => 3 })->start;
    # The harness's own start-up connection may still be counted for a
    # moment: wait until ours is the only client, then fill up.
    my $first = $k->conn;
    ok(wait_for(sub {
           my @l = ($first->cmd('CLIENT', 'LIST') // '') =~ /^id=/mg;
           @l == 1;
       }, 5), 'only our first client is connected');
    my @c = ($first, map { $k->conn } 1 .. 2);
    is($_->cmd('PING'), "+PONG\r\n", 'client within maxclients served')
        for @c;
    my $extra = $k->conn;
    is($extra->read_reply, "-ERR max number of clients reached\r\n",
       'the client over maxclients gets Redis\'s error');
    ok(!defined $extra->read_reply && $extra->{eof},
       '... and is disconnected');
    like($c[0]->cmd('INFO', 'stats'), qr/rejected_connections:1\r\n/,
         'INFO stats counts the rejected connection over all workers');
    $c[1]->close;
    ok(wait_for(sub {
           my $n = $k->conn;
           my $r = $n->cmd('PING') // '';
           $n->close;
           $r eq "+PONG\r\n";
       }, 5), 'a closed client makes room for a new one');
    $_->close for @c;
}

{
    # timeout: an idle client is closed; an active one is not.
    my $k = Kevyd->new(conf => { 'worker-processes' => 2, timeout => 1,
                                 hz => 50 })->start;
    my $idle = $k->conn;
    is($idle->cmd('PING'), "+PONG\r\n", 'idle client answered first');
    my $busy = $k->conn;
    for (1 .. 8) {
        sleep 0.25;
        is($busy->cmd('PING'), "+PONG\r\n", "active client still served ($_)");
    }
    ok(!defined $idle->read_reply && $idle->{eof},
       'a client idle past timeout was closed');
}

{
    # Query buffer limit: a client sending an endless bulk is cut off.
    my $k = Kevyd->new(conf => { 'worker-processes' => 1,
                                 'client-query-buffer-limit' => '1mb',
                                 'proto-max-bulk-len' => '8mb' })->start;
    my $c = $k->conn;
    $c->raw("*2\r\n\$4\r\nECHO\r\n\$4000000\r\n");
    my $ok = $c->raw('x' x (2 * 1024 * 1024));
    ok(!defined $c->read_reply && $c->{eof},
       'a client over client-query-buffer-limit is disconnected');
    like($k->log_text, qr/reached max query buffer length/,
         '... and the log says why');
    my $d = $k->conn;
    is($d->cmd('PING'), "+PONG\r\n", 'the server still serves others');
    is($d->raw("*2\r\n\$4\r\nECHO\r\n\$9000000\r\n") && $d->read_reply,
       "-ERR Protocol error: invalid bulk length\r\n",
       'a bulk over proto-max-bulk-len is refused');
}

{
    # Replies whose size the client picks (a huge negative count) stop at
    # proto-max-bulk-len: an error, then the connection closes; keys on
    # another worker get the error too. The server's memory stays small.
    my $k = Kevyd->new(conf => { 'worker-processes' => 2,
                                 'proto-max-bulk-len' => '1mb' })->start;
    my $c = $k->conn;
    my $err = "-ERR reply too large: it would pass proto-max-bulk-len, "
            . "closing the connection\r\n";
    for my $t (['SADD', 'SRANDMEMBER', []], ['HSET', 'HRANDFIELD', [1]],
               ['HSET', 'HRANDFIELD', [1], 'WITHVALUES'],
               ['ZADD', 'ZRANDMEMBER', [1], 'WITHSCORES']) {
        my ($add, $rand, $extra, @opt) = @$t;
        for my $key (map { "$rand:$_" } 1 .. 4) {   # over both workers
            my $c = $k->conn;
            my @args = $add eq 'ZADD' ? (1, 'm') : ('m', @$extra);
            $c->cmd($add, $key, @args);
            # Well under the limit: served in full.
            my $r = $c->cmd($rand, $key, -1000, @opt);
            like($r, qr/^\*\d+\r\n/, "$rand -1000 @opt is served");
            is($c->cmd($rand, $key, '-10000000000000', @opt), $err,
               "$rand -10^13 @opt: refused");
        }
    }
    is($c->cmd('SADD', 's', 'x'), ":1\r\n", 'another connection');
    is($c->cmd('SRANDMEMBER', 's', '-10000000000000'), $err, 'refused');
    ok(!defined $c->read_reply && $c->{eof}, '... and closed');
    my $rss = 0;
    for my $pid (values %{ $k->worker_pids }) {
        my ($kb) = (Kevyd::read_file("/proc/$pid/status") // '')
            =~ /^VmRSS:\s+(\d+)/m;
        $rss = $kb if ($kb // 0) > $rss;
    }
    cmp_ok($rss, '<', 200 * 1024, "largest worker RSS $rss kB");
    is($k->conn->cmd('PING'), "+PONG\r\n", 'still serving');
}

{
    # CLIENT KILL reaches clients of every worker; ids are server-wide.
    my $k = Kevyd->new(conf => { 'worker-processes' => 2 })->start;
    my @c = map { $k->conn } 1 .. 6;
    my %ids;
    for my $c (@c) {
        my $r = $c->cmd('CLIENT', 'ID');
        my ($id) = $r =~ /^:(\d+)\r\n$/;
        $ids{$id}++ if defined $id;
    }
    is(scalar keys %ids, 6, 'six clients, six distinct ids');
    my $list = $c[0]->cmd('CLIENT', 'LIST');
    my @lines = $list =~ /^id=\d+ /mg;
    is(scalar @lines, 6, 'CLIENT LIST shows the clients of both workers');
    my ($victim) = $c[5]->cmd('CLIENT', 'ID') =~ /(\d+)/;
    is($c[0]->cmd('CLIENT', 'KILL', 'ID', $victim), ":1\r\n",
       'CLIENT KILL ID kills exactly one client, on any worker');
    ok(!defined $c[5]->read_reply && $c[5]->{eof}, '... and it is gone');
    is($c[0]->cmd('CLIENT', 'KILL', 'ID', $victim), ":0\r\n",
       'killing it again finds nobody');
    is($c[0]->cmd('CLIENT', 'KILL', '127.0.0.1:1'),
       "-ERR No such client\r\n", 'old form with an unknown address');
}

done_testing;
