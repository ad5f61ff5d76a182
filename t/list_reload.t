#!/usr/bin/perl
# list-max-listpack-size is live: a reload changes how much the nodes built
# afterwards hold, and lists built under the old value (nodes bigger or
# smaller than the new one allows) keep working. Checked against a Perl
# model of each list, at 1 and at 2 workers.

use v5.36;
use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use Kevyd qw(binary safety_alarm);

plan skip_all => 'objs/kevyd not built' unless -x binary();
safety_alarm(120);

sub bulk_array (@v) {
    return '*' . @v . "\r\n"
           . join '', map { '$' . length($_) . "\r\n$_\r\n" } @v;
}

for my $workers (1, 2) {
    my $k = Kevyd->new(conf => { 'worker-processes' => $workers,
                                 'list-max-listpack-size' => 2 })->start;
    my $c = $k->conn;
    my %model;
    my $check = sub ($name) {
        for my $key (sort keys %model) {
            is($c->cmd('LRANGE', $key, 0, -1), bulk_array(@{ $model{$key} }),
               "w=$workers: $name: LRANGE $key");
        }
    };
    is($c->cmd(qw(CONFIG GET list-max-listpack-size)),
       bulk_array('list-max-listpack-size', 2), "w=$workers: fill 2");

    # Lists of nodes of 2 elements.
    for my $key (qw(a b c)) {
        my @v = map { "$key$_" } 1 .. 50;
        $c->cmd('RPUSH', $key, @v);
        $model{$key} = [@v];
    }
    $check->('built with fill 2');

    for my $fill (-1, 1, 100, -5, 2) {
        my $off = $k->log_size;
        $k->rewrite_conf('list-max-listpack-size' => $fill);
        ok($k->signal('HUP'), "w=$workers: HUP (fill $fill)");
        ok($k->wait_log(qr/configuration reloaded/, 5, $off),
           "w=$workers: reloaded (fill $fill)");
        ok(Kevyd::wait_for(sub {
               ($c->cmd(qw(CONFIG GET list-max-listpack-size)) // '')
                   eq bulk_array('list-max-listpack-size', $fill) }, 5),
           "w=$workers: CONFIG GET says $fill");
        # Every kind of change, on lists built under other fills.
        for my $key (qw(a b c)) {
            my $m = $model{$key};
            $c->cmd('LPUSH', $key, "h$fill");
            unshift @$m, "h$fill";
            $c->cmd('RPUSH', $key, "t$fill", 'x' x 3000);
            push @$m, "t$fill", 'x' x 3000;
            $c->cmd('LINSERT', $key, 'AFTER', $m->[10], "i$fill");
            splice @$m, 11, 0, "i$fill";
            $c->cmd('LSET', $key, 20, "s$fill" x 100);
            $m->[20] = "s$fill" x 100;
            $c->cmd('LREM', $key, 1, $m->[5]);
            splice @$m, 5, 1;
            $c->cmd('LPOP', $key);
            shift @$m;
            $c->cmd('LTRIM', $key, 0, 60);
            splice @$m, 61 if @$m > 61;
        }
        $c->cmd('LMOVE', 'a', 'b', 'LEFT', 'RIGHT');
        push @{ $model{b} }, shift @{ $model{a} };
        $check->("after fill $fill");
    }
    is($k->stop, 0, "w=$workers: stopped");
}

done_testing;
