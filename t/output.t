#!/usr/bin/perl
# Output of a client whose commands run on several workers: the replies
# of a pipelined batch leave in one send (ready replies wait for the
# other worker's, see "Holding output" in src/client.c), never for long
# when that worker stalls; and the INFO stats counters of reads, writes
# and bytes that show it.

use v5.36;
use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use Time::HiRes qw(sleep time);
use Kevyd qw(binary safety_alarm key_on);
use Diff qw(vis);

plan skip_all => 'objs/kevyd not built' unless -x binary();
safety_alarm(120);

# The INFO stats counters, summed over the workers, and the raw reply.
sub stats ($c) {
    my $r = $c->cmd(qw(INFO stats)) // return ();
    my %s = $r =~ /^(\w+):(\d+)\r$/mg;
    return (\%s, $r);
}

my $k = Kevyd->new(conf => { 'worker-processes' => 2 })->start;
my $c = $k->conn_on(0);
my $w = $k->worker_pids;

# ---------------------------------------------------- INFO stats counters

{
    my ($s0, $raw0) = stats($c);
    my @fields = qw(total_net_input_bytes total_net_output_bytes
                    total_reads_processed total_writes_processed);
    ok((!grep { !defined $s0->{$_} } @fields),
       'INFO stats has ' . join(', ', @fields))
        or diag(vis($raw0));
    my $ping = Kevyd::Conn::encode('PING');
    is($c->cmd('PING'), "+PONG\r\n", 'PING');
    my ($s1) = stats($c);
    my $info = Kevyd::Conn::encode(qw(INFO stats));
    # Between the two snapshots: read PING and the second INFO; wrote the
    # first INFO's reply and +PONG.
    is($s1->{total_reads_processed} - $s0->{total_reads_processed}, 2,
       'total_reads_processed: +2 (PING, INFO)');
    is($s1->{total_writes_processed} - $s0->{total_writes_processed}, 2,
       'total_writes_processed: +2 (the INFO reply, +PONG)');
    is($s1->{total_net_input_bytes} - $s0->{total_net_input_bytes},
       length($ping) + length($info),
       'total_net_input_bytes: the bytes of PING and INFO stats');
    is($s1->{total_net_output_bytes} - $s0->{total_net_output_bytes},
       length($raw0) + length("+PONG\r\n"),
       'total_net_output_bytes: the bytes of the INFO reply and +PONG');
}

{
    # CONFIG RESETSTAT zeroes them on every worker (as Redis's
    # resetServerStats()); then come the +OK and the read of INFO.
    is($c->cmd(qw(CONFIG RESETSTAT)), "+OK\r\n", 'CONFIG RESETSTAT');
    my ($s) = stats($c);
    my $info = Kevyd::Conn::encode(qw(INFO stats));
    is(join(' ', map { "$_=$s->{$_}" } qw(total_reads_processed
           total_writes_processed total_net_input_bytes
           total_net_output_bytes rejected_connections)),
       'total_reads_processed=1 total_writes_processed=1 '
       . 'total_net_input_bytes=' . length($info)
       . ' total_net_output_bytes=5 rejected_connections=0',
       'after CONFIG RESETSTAT: counted from zero');
}

# ------------------------------- one send for a cross-shard pipeline batch

{
    # 32 SETs alternating between this worker's keys and the other's,
    # starting here: the first reply is ready long before the second.
    my @local = map { key_on(0, "out$_:") } 1 .. 16;
    my @remote = map { key_on(1, "out$_:") } 1 .. 16;
    my @batch = map { ([ 'SET', $local[$_], "l$_" ],
                       [ 'SET', $remote[$_], "r$_" ]) } 0 .. 15;
    my $rounds = 20;
    my ($s0) = stats($c);
    my $bad = '';
    for my $round (1 .. $rounds) {
        my $r = $c->pipeline(\@batch, undef, 10);
        if (!$r || grep { $_ ne "+OK\r\n" } @$r) {
            $bad = "round $round: " . ($r ? vis(join '', @$r) : $c->{error});
            last;
        }
    }
    is($bad, '', "$rounds pipelines of 32 SETs over both shards: "
                 . '32 x +OK each');
    my ($s1) = stats($c);
    # Minus the reply of the first INFO.
    my $sends = $s1->{total_writes_processed}
                - $s0->{total_writes_processed} - 1;
    # One send a batch when every reply of the other worker comes within
    # the hold (1 ms); a partial send and the rest would be 2 a batch.
    cmp_ok($sends, '<=', $rounds * 1.25,
           "the replies of each batch leave together: $sends sends for "
           . "$rounds batches");
    my $got = $c->pipeline([ map { [ 'GET', $_ ] } @local[0 .. 3],
                             @remote[0 .. 3] ]);
    is(join('', @{ $got // [] }),
       join('', map { "\$2\r\nl$_\r\n" } 0 .. 3)
       . join('', map { "\$2\r\nr$_\r\n" } 0 .. 3),
       'the values are there, in order');
}

# ------------------------- a stalled worker delays ready replies only briefly

{
    my $here = key_on(0, 'stall:');
    my $there = key_on(1, 'stall:');
    kill 'STOP', $w->{1};
    my $t0 = time;
    $c->raw(Kevyd::Conn::encode('SET', $here, 'x')
            . Kevyd::Conn::encode('GET', $there)
            . Kevyd::Conn::encode('SET', $here, 'y'));
    my $first = $c->read_reply(2);
    my $d = time - $t0;
    is($first, "+OK\r\n", 'worker 1 stopped: the reply made here arrives');
    cmp_ok($d, '<', 0.5, sprintf('... without waiting for worker 1 '
                                 . '(%.3f s)', $d));
    my $second = $c->read_reply(0.3);
    ok(!defined $second, '... the reply of the stopped worker does not')
        or diag(vis($second));
    kill 'CONT', $w->{1};
    is($c->read_reply(5), "\$-1\r\n", 'worker 1 resumed: its reply follows');
    is($c->read_reply(5), "+OK\r\n", '... then the last one, in order');
    is($c->cmd('GET', $here), "\$1\r\ny\r\n", '... which ran after it');
}

is($k->stop, 0, 'stop: exit 0');

done_testing;
