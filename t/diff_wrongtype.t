#!/usr/bin/perl
# String and key commands on a key of another type (a list made with
# RPUSH), against redis-server: WRONGTYPE errors where Redis gives them,
# silent overwrites and nil replies where Redis does that instead. These
# cases need lists in kevyd.

use v5.36;
use lib 't/lib';
use Test::More;
use Kevyd qw(safety_alarm);
use Diff qw(parse vis);

safety_alarm(120);

my @cases;

# A case on a database holding the list "l" (and "{t}l", same slot as
# "{t}s"), the string "s" and "{t}s".
sub on_list (@steps) {
    my $name = join ' ; ', map { ref $_ eq 'ARRAY' ? join(' ', @$_) : '...' }
                           @steps;
    push @cases, [ $name, [ [qw(RPUSH l a b c)], [qw(RPUSH {t}l x y)],
                            [qw(SET s str)], [qw(SET {t}s str)], @steps ] ];
}

my $now = time;

# -------------------------------------------------- string commands

for my $k (qw(l {t}l)) {
    on_list(['GET', $k]);
    on_list(['GETSET', $k, 'v'], ['TYPE', $k]);
    on_list(['GETDEL', $k], ['TYPE', $k]);
    on_list(['GETEX', $k], ['GETEX', $k, 'EX', 100], ['TTL', $k]);
    on_list(['GETEX', $k, 'PERSIST']);
    on_list(['APPEND', $k, 'x'], ['TYPE', $k]);
    on_list(['APPEND', $k, '']);
    on_list(['STRLEN', $k]);
    on_list(['GETRANGE', $k, 0, -1]);
    on_list(['SUBSTR', $k, 0, 1]);
    on_list(['SETRANGE', $k, 0, 'x'], ['TYPE', $k]);
    on_list(['SETRANGE', $k, 0, '']);
    on_list(['SETRANGE', $k, -1, 'x']);
    on_list(['INCR', $k], ['TYPE', $k]);
    on_list(['DECR', $k]);
    on_list(['INCRBY', $k, 5]);
    on_list(['DECRBY', $k, 5]);
    on_list(['INCRBY', $k, 'abc']);
    on_list(['INCRBYFLOAT', $k, '1.5']);
    on_list(['INCRBYFLOAT', $k, 'abc']);
    on_list(['SETNX', $k, 'v'], ['TYPE', $k]);
    on_list(['MSETNX', $k, 'v', 'new', 'v'], ['TYPE', $k], ['EXISTS', 'new']);
    on_list(['SET', $k, 'v', 'GET'], ['TYPE', $k]);
    on_list(['SET', $k, 'v', 'NX', 'GET'], ['TYPE', $k]);
    on_list(['SET', $k, 'v', 'XX', 'GET'], ['TYPE', $k]);
    on_list(['SET', $k, 'v', 'EX', 100, 'GET'], ['TTL', $k]);
    on_list(['SET', $k, 'v'], ['TYPE', $k], ['GET', $k]);
    on_list(['SET', $k, 'v', 'NX'], ['TYPE', $k]);
    on_list(['SET', $k, 'v', 'XX'], ['TYPE', $k], ['GET', $k]);
    on_list(['SET', $k, 'v', 'KEEPTTL'], ['TYPE', $k]);
    on_list(['SETEX', $k, 100, 'v'], ['TYPE', $k], ['TTL', $k]);
    on_list(['PSETEX', $k, 100000, 'v'], ['TYPE', $k]);
    on_list(['MSET', $k, 'v', 'other', 'w'], ['TYPE', $k], ['GET', $k]);
    on_list(['LCS', $k, 's']);
    on_list(['LCS', 's', $k, 'LEN']);
}
on_list([qw(MGET s l nosuch {t}l {t}s)]);
on_list([qw(LCS {t}l {t}s IDX)]);

# Errors that come before the type check.
on_list([qw(GET l x)]);
on_list([qw(SET l v EX 0 GET)]);
on_list([qw(SET l v FOO GET)]);
on_list([qw(GETEX l EX 0)]);
on_list([qw(GETEX l FOO)]);
on_list([qw(INCRBY l 1.5)]);
on_list([qw(SETRANGE l abc x)]);
on_list([qw(GETRANGE l a b)]);
on_list([qw(LCS l s LEN IDX)]);

# -------------------------------------------------- key commands

on_list([qw(TYPE l)], [qw(TYPE s)], [qw(TYPE nosuch)]);
on_list([qw(EXISTS l s l)], [qw(TOUCH l s)], ['DBSIZE']);
on_list([qw(DEL l s)], ['DBSIZE'], [qw(TYPE l)]);
on_list([qw(UNLINK {t}l {t}s)], ['DBSIZE']);
on_list([qw(EXPIRE l 100)], [qw(TTL l)], [qw(PERSIST l)], [qw(TTL l)]);
on_list(['PEXPIREAT', 'l', ($now + 100) * 1000], [qw(PEXPIRETIME l)]);
on_list([qw(RENAME l l2)], [qw(TYPE l2)], [qw(EXISTS l)]);
on_list([qw(RENAME s l)], [qw(TYPE l)], [qw(GET l)]);
on_list([qw(RENAME l s)], [qw(TYPE s)], [qw(GET s)]);
on_list([qw(RENAMENX l s)], [qw(TYPE s)]);
on_list([qw(RENAME {t}l {t}s)], [qw(TYPE {t}s)]);
on_list([qw(COPY l l2)], [qw(TYPE l2)]);
on_list([qw(COPY l s)], [qw(COPY l s REPLACE)], [qw(TYPE s)]);
on_list([qw(COPY s l REPLACE)], [qw(TYPE l)], [qw(GET l)]);
on_list([qw(COPY l l DB 1)], [qw(SELECT 1)], [qw(TYPE l)]);
on_list([qw(MOVE l 2)], [qw(TYPE l)], [qw(SELECT 2)], [qw(TYPE l)]);
on_list([qw(OBJECT ENCODING l)], [qw(OBJECT REFCOUNT l)]);
on_list([qw(SWAPDB 0 1)], [qw(SELECT 1)], [qw(TYPE l)]);

sub as_set ($args) {
    my $sorted = sub ($raw) {
        my $a = parse($raw);
        return ref $a eq 'ARRAY' ? join("\n", map { vis($_) } sort @$a)
                                 : 'not an array: ' . vis($raw);
    };
    return { cmd => $args,
             check => sub ($k, $r) { $sorted->($k) eq $sorted->($r) } };
}
on_list(as_set([qw(KEYS *)]));

# SCAN TYPE over a mix of strings and lists.
sub scan_all (@opts) {
    return { code => sub ($c) {
        my ($cursor, %seen) = ('0');
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
for my $type (qw(list string LIST hash)) {
    on_list((map { (['RPUSH', "list:$_", 1], ['SET', "str:$_", 1]) } 1 .. 40),
            scan_all('TYPE', $type));
}
on_list((map { ['RPUSH', "list:$_", 1] } 1 .. 40),
        scan_all(qw(TYPE list MATCH list:1* COUNT 5)));
on_list({ cmd => ['RANDOMKEY'], check => sub ($k, $r) {
    my $v = parse($k);
    defined $v && $v =~ /^(l|s|\{t\}l|\{t\}s)$/;
} });

Diff::each_server(sub ($d) { $d->cases(@cases) });

done_testing;
