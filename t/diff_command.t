#!/usr/bin/perl
# COMMAND and its subcommands against redis-server: COMMAND, COUNT, INFO,
# DOCS, LIST (and its filters), GETKEYS, GETKEYSANDFLAGS, HELP, errors.
#
# Redis has more commands than kevyd. What can be compared byte for byte
# is (the INFO and DOCS of one command, GETKEYS, errors, HELP) is; for the
# rest each kevyd entry must equal redis's entry of the same name, and a
# container's subcommands be some of redis's, each equal to redis's (Redis
# lists them in its dict order, kevyd in its table's). The commands asked
# about are the ones kevyd lists (COMMAND LIST), which must be the command
# table's (src/cmd.c).
#
# These commands run where the client is: worker-processes 1 and 2 suffice.

use v5.36;
use lib 't/lib';
use Test::More;
use Kevyd qw(safety_alarm);
use Diff qw(parse vis);

safety_alarm(240);
$ENV{DIFF_WORKERS} //= '1 2';

# ---------------------------------------------------------------- helpers

# Parsed data as one string, to compare.
sub canon ($d) {
    return 'nil' unless defined $d;
    return '[' . join(',', map { canon($_) } @$d) . ']' if ref $d eq 'ARRAY';
    return "err($d->{err})" if ref $d eq 'HASH' && exists $d->{err};
    return 'bad(' . vis($d->{bad}) . ')' if ref $d;
    return vis($d);
}

my $why;    # what the last check found wrong, for diag

sub nope ($msg) { $why = $msg; return 0 }

# Subcommand lists (INFO's 10th element, DOCS's "subcommands" map): kevyd's
# must be some of redis's, none twice, each equal by $eq, and present iff
# redis has some.
sub subs_ok ($k, $r, $eq) {
    my %rs = map { $_->[0] => $_->[1] } @$r;
    my %seen;
    return nope('subcommands: kevyd has none, redis has') if !@$k && @$r;
    return nope('subcommands: kevyd has some, redis none') if @$k && !@$r;
    for my $s (@$k) {
        return nope("subcommand $s->[0] twice") if $seen{ $s->[0] }++;
        return nope("subcommand $s->[0] not in redis")
            unless exists $rs{ $s->[0] };
        return 0 unless $eq->($s->[1], $rs{ $s->[0] });
    }
    return 1;
}

# One COMMAND INFO entry (parsed).
sub entry_eq ($k, $r) {
    return canon($k) eq canon($r) || nope('entry: ' . canon($k) . ' vs '
                                          . canon($r))
        unless ref $k eq 'ARRAY' && ref $r eq 'ARRAY' && @$k == 10
               && @$r == 10 && ref $k->[9] eq 'ARRAY';
    my $name = canon($k->[0]);
    for my $i (0 .. 8) {
        next if canon($k->[$i]) eq canon($r->[$i]);
        return nope("$name: field $i: " . canon($k->[$i]) . ' vs '
                    . canon($r->[$i]));
    }
    return subs_ok([ map { [ $_->[0], $_ ] } @{ $k->[9] } ],
                   [ map { [ $_->[0], $_ ] } @{ $r->[9] } ], \&entry_eq);
}

# A flat RESP2 map as [name, value] pairs.
sub pairs ($a) {
    return [ map { [ $a->[2 * $_], $a->[2 * $_ + 1] ] } 0 .. $#$a / 2 ];
}

# One COMMAND DOCS doc map (parsed): the same fields in the same order,
# "subcommands" compared as subcommand lists.
sub doc_eq ($k, $r) {
    return nope('doc: ' . canon($k) . ' vs ' . canon($r))
        unless ref $k eq 'ARRAY' && ref $r eq 'ARRAY';
    my ($kp, $rp) = (pairs($k), pairs($r));
    return nope('doc fields: ' . join(',', map { $_->[0] } @$kp) . ' vs '
                . join(',', map { $_->[0] } @$rp))
        unless join(',', map { $_->[0] } @$kp)
               eq join(',', map { $_->[0] } @$rp);
    for my $i (0 .. $#$kp) {
        if ($kp->[$i][0] eq 'subcommands') {
            return 0 unless subs_ok(pairs($kp->[$i][1]), pairs($rp->[$i][1]),
                                    \&doc_eq);
        } elsif (canon($kp->[$i][1]) ne canon($rp->[$i][1])) {
            return nope("doc field $kp->[$i][0]: " . canon($kp->[$i][1])
                        . ' vs ' . canon($rp->[$i][1]));
        }
    }
    return 1;
}

# COMMAND INFO name...: entry by entry (nil for nil).
sub info_eq ($k, $r) {
    my ($ka, $ra) = (parse($k), parse($r));
    return nope('not arrays') unless ref $ka eq 'ARRAY' && ref $ra eq 'ARRAY';
    return nope('lengths ' . @$ka . ' vs ' . @$ra) unless @$ka == @$ra;
    for my $i (0 .. $#$ka) {
        next if !defined $ka->[$i] && !defined $ra->[$i];
        return nope("element $i: nil on one side")
            unless defined $ka->[$i] && defined $ra->[$i];
        return 0 unless entry_eq($ka->[$i], $ra->[$i]);
    }
    return 1;
}

# COMMAND DOCS name...: the same names in the same order, docs equal.
sub docs_eq ($k, $r) {
    my ($ka, $ra) = (parse($k), parse($r));
    return nope('not arrays') unless ref $ka eq 'ARRAY' && ref $ra eq 'ARRAY';
    my ($kp, $rp) = (pairs($ka), pairs($ra));
    return nope('names: ' . join(',', map { $_->[0] } @$kp) . ' vs '
                . join(',', map { $_->[0] } @$rp))
        unless join(',', map { $_->[0] } @$kp)
               eq join(',', map { $_->[0] } @$rp);
    for my $i (0 .. $#$kp) {
        return 0 unless doc_eq($kp->[$i][1], $rp->[$i][1]);
    }
    return 1;
}

# COMMAND or COMMAND INFO with no name: kevyd's entries, each once and
# equal to redis's entry of the name.
sub all_info_ok ($k, $r) {
    my ($ka, $ra) = (parse($k), parse($r));
    return nope('not arrays') unless ref $ka eq 'ARRAY' && ref $ra eq 'ARRAY';
    return nope('no commands') unless @$ka;
    return subs_ok([ map { [ $_->[0], $_ ] } @$ka ],
                   [ map { [ $_->[0], $_ ] } @$ra ], \&entry_eq);
}

# COMMAND DOCS with no name: the same for the name, doc pairs.
sub all_docs_ok ($k, $r) {
    my ($ka, $ra) = (parse($k), parse($r));
    return nope('not arrays') unless ref $ka eq 'ARRAY' && ref $ra eq 'ARRAY';
    return nope('no commands') unless @$ka;
    return subs_ok(pairs($ka), pairs($ra), \&doc_eq);
}

# An array of names as a sorted list.
sub names_of ($raw) {
    my $a = parse($raw);
    return undef unless ref $a eq 'ARRAY' && !grep { ref } @$a;
    return [ sort @$a ];
}

# ---------------------------------------------------------------- names

# Full names in the command table ("get", "object|encoding"), as
# tools/gen-cmdmeta.pl finds them.
sub table_names () {
    open my $fh, '<', "$Kevyd::REPO/src/cmd.c" or die "src/cmd.c: $!\n";
    my $src = do { local $/; <$fh> };
    my %names;
    while ($src =~ /\{\s*"([^"]*)"\s*,\s*-?\d+\s*,[^{}]*?"([^"]+)"\s*,
                    \s*[\w|\s]*\}/sgx) {
        $names{$2} = 1 unless substr($1, 0, 1) eq '@';
    }
    return [ sort keys %names ];
}

# What kevyd lists: COMMAND LIST on a connection of its own.
sub listed ($server) {
    my $conn = Kevyd::Conn->new('127.0.0.1', $server->port, 5);
    my $names = names_of($conn->cmd(qw(COMMAND LIST)));
    $conn->close;
    return $names // [];
}

# ---------------------------------------------------------------- cases

my @ACLCATS = qw(keyspace read write set sortedset list hash string bitmap
                 hyperloglog geo stream pubsub admin fast slow blocking
                 dangerous connection transaction scripting);

sub cases_for ($d, $names) {
    my %kevyd = map { $_ => 1 } @$names;
    my %container = map { (split /\|/)[0] => 1 } grep { /\|/ } @$names;
    my @cases;
    my $add = sub ($name, @steps) { push @cases, [ $name, \@steps,
                                                   flush => 0 ] };
    my $one = sub (@args) { $add->(join(' ', @args), [@args]) };
    my $check = sub ($args, $sub) {
        return { cmd => $args, check => sub ($k, $r) {
            undef $why;
            my $ok = $sub->($k, $r);
            diag('  ' . vis(join(' ', @$args), 60) . ': ' . vis($why, 400))
                if !$ok && defined $why;
            return $ok;
        } };
    };
    # A filtered list: redis's names that kevyd has.
    my $list_eq = sub ($k, $r) {
        my ($kn, $rn) = (names_of($k), names_of($r));
        return nope('not a list of names') unless $kn && $rn;
        my $want = join ',', grep { $kevyd{$_} } @$rn;
        return join(',', @$kn) eq $want
            || nope('names: ' . join(',', @$kn) . " vs $want");
    };

    # -------------------------------------------- the list itself

    $add->('COMMAND LIST: the command table, each name once',
           { only_kevyd => 1, cmd => [qw(COMMAND LIST)], check => sub ($k, $r) {
               my $kn = names_of($k) or return 0;
               my %n;
               return !grep({ $n{$_}++ } @$kn)
                   && join(',', @$kn) eq join(',', @{ table_names() });
           } });
    $add->('COMMAND LIST: names redis has', $check->([qw(COMMAND LIST)],
                                                      $list_eq));

    # -------------------------------------------- INFO and DOCS, one each

    for my $n (@$names) {
        if ($container{$n}) {
            $add->("COMMAND INFO $n (kevyd's subcommands)",
                   $check->([ 'COMMAND', 'INFO', $n ], \&info_eq));
            $add->("COMMAND DOCS $n (kevyd's subcommands)",
                   $check->([ 'COMMAND', 'DOCS', $n ], \&docs_eq));
        } else {
            $one->('COMMAND', 'INFO', $n);
            $one->('COMMAND', 'DOCS', $n);
        }
    }

    # names as clients may spell them
    $one->(qw(COMMAND INFO GET));
    $one->(qw(COMMAND INFO gEt Set));
    $one->(qw(COMMAND INFO OBJECT|ENCODING));
    $one->(qw(COMMAND INFO Command|Count));
    $one->(qw(COMMAND DOCS SET));
    $one->(qw(COMMAND DOCS Object|Help));
    $one->(qw(COMMAND INFO get nosuch set));
    $one->(qw(COMMAND INFO nosuch));
    $one->(qw(COMMAND INFO get get));
    $one->('COMMAND', 'INFO', '');
    $one->('COMMAND', 'INFO', $_)
        for qw(get| |get | || object| |encoding a|b|c object|encoding|x
               get|x nosuch|x object|nosuch command|count|x), "get\0",
            "get ", 'x' x 1000;
    $one->(qw(COMMAND INFO object|encoding get|x nosuch ttl));
    $one->(qw(COMMAND DOCS get get nosuch));
    $one->(qw(COMMAND DOCS nosuch));
    $one->(qw(COMMAND DOCS nosuch other));
    $one->('COMMAND', 'DOCS', '');
    $one->('COMMAND', 'DOCS', $_)
        for qw(get| |get object| a|b|c object|help|x get|x object|nosuch);
    $one->(qw(COMMAND DOCS get object|help nosuch set command|count));
    $add->('COMMAND INFO object command (containers)',
           $check->([qw(COMMAND INFO object command)], \&info_eq));
    $add->('COMMAND DOCS object command (containers)',
           $check->([qw(COMMAND DOCS object command)], \&docs_eq));

    # -------------------------------------------- every command

    $add->('COMMAND: each entry redis\'s', $check->(['COMMAND'],
                                                    \&all_info_ok));
    $add->('COMMAND INFO: each entry redis\'s',
           $check->([qw(COMMAND INFO)], \&all_info_ok));
    $add->('COMMAND DOCS: each doc redis\'s',
           $check->([qw(COMMAND DOCS)], \&all_docs_ok));
    $add->('command info (lower case)',
           $check->([qw(command info)], \&all_info_ok));

    # The same server's replies agree with each other.
    $add->('COMMAND COUNT is the number of COMMAND entries, which are '
           . 'COMMAND INFO\'s and COMMAND DOCS\'s and LIST\'s',
           { code => sub ($c) {
               my $count = parse($c->cmd(qw(COMMAND COUNT)));
               my $all = parse($c->cmd('COMMAND'));
               my $info = parse($c->cmd(qw(COMMAND INFO)));
               my $docs = parse($c->cmd(qw(COMMAND DOCS)));
               my $list = names_of($c->cmd(qw(COMMAND LIST)));
               return 'not arrays' unless ref $all eq 'ARRAY'
                   && ref $info eq 'ARRAY' && ref $docs eq 'ARRAY' && $list;
               return "COUNT $count, COMMAND " . @$all unless $count == @$all;
               my $an = join ',', sort map { $_->[0] } @$all;
               return 'COMMAND INFO differs'
                   unless $an eq join ',', sort map { $_->[0] } @$info;
               return 'COMMAND DOCS differs'
                   unless $an eq join ',', sort map { $_->[0] }
                                                @{ pairs($docs) };
               my @full = map { ($_->[0], map { $_->[0] } @{ $_->[9] }) }
                          @$all;
               return 'COMMAND LIST differs'
                   unless join(',', sort @full) eq join(',', @$list);
               return 'ok';
           } });
    $add->('COMMAND COUNT: an integer', { cmd => [qw(COMMAND COUNT)],
                                          check => \&Diff::is_int });
    $one->(qw(COMMAND COUNT x));
    $one->(qw(COMMAND COUNT x y));

    # -------------------------------------------- LIST filters

    for my $p (qw(obj* OBJ* *encoding *|* get* g?t [gs]et [^g]et * nosuch*
                  command|* client|* config|* *|help ?et* \\g*), '', '[',
               'get\\') {
        $add->("COMMAND LIST FILTERBY PATTERN $p",
               $check->([ qw(COMMAND LIST FILTERBY PATTERN), $p ], $list_eq));
    }
    for my $cat (@ACLCATS, qw(STRING Read @read nosuch), '') {
        $add->("COMMAND LIST FILTERBY ACLCAT $cat",
               $check->([ qw(COMMAND LIST FILTERBY ACLCAT), $cat ], $list_eq));
    }
    $add->('command list filterby aclcat string (lower case)',
           $check->([qw(command list filterby aclcat string)], $list_eq));
    $one->(qw(COMMAND LIST FILTERBY MODULE x));
    $one->(qw(COMMAND LIST FILTERBY module json));
    $one->(qw(COMMAND LIST FILTERBY));
    $one->(qw(COMMAND LIST FILTERBY ACLCAT));
    $one->(qw(COMMAND LIST FILTERBY foo bar));
    $one->(qw(COMMAND LIST foo));
    $one->(qw(COMMAND LIST foo bar baz));
    $one->(qw(COMMAND LIST FILTERBY ACLCAT read FILTERBY PATTERN g*));
    $one->(qw(COMMAND LIST FILTERBY ACLCAT read x));
    $one->(qw(COMMAND LIST FILTERBYX ACLCAT read));
    # options are compared as C strings, up to a NUL byte
    $add->('COMMAND LIST FILTERBY ACLCAT read\\0x',
           $check->([ qw(COMMAND LIST FILTERBY ACLCAT), "read\0x" ], $list_eq));
    $add->('COMMAND LIST filterby\\0x PATTERN\\0 g*',
           $check->([ qw(COMMAND LIST), "filterby\0x", "PATTERN\0", 'g*' ],
                    $list_eq));
    $add->('COMMAND LIST FILTERBY PATTERN g*\\0x (the pattern is whole)',
           $check->([ qw(COMMAND LIST FILTERBY PATTERN), "g*\0x" ], $list_eq));
    $one->('COMMAND', 'LIST', 'FILTERBY', "module\0", 'x');

    # -------------------------------------------- GETKEYS

    my @getkeys = (
        [qw(get a)], [qw(GET a)], [qw(get a b)], [qw(get)], [qw(set a b)],
        [qw(set a b get)], [qw(set a b GeT)], [qw(set a b ex 10)],
        [qw(set a b ex 10 get)], [qw(set a b get ex 10)], [qw(set a get)],
        [qw(set a)], [qw(set a b c d e f)], [qw(mset a 1 b 2)],
        [qw(mset a 1 b)], [qw(mset a)], [qw(mset a 1 b 2 c 3 d 4)],
        [qw(msetnx a 1 b 2)], [qw(mget a b c)], [qw(mget a)], [qw(mget)],
        [qw(del a)], [qw(del a b c a)], [qw(unlink a b)], [qw(exists a a)],
        [qw(touch x)], [qw(lcs a b)], [qw(lcs a b LEN)], [qw(lcs a)],
        [qw(copy a b)], [qw(copy a b DB 1 REPLACE)], [qw(rename a b)],
        [qw(renamenx a b)], [qw(getex a PERSIST)], [qw(getdel a)],
        [qw(getset a b)], [qw(append a b)], [qw(incr a)], [qw(incrby a 1)],
        [qw(decr a)], [qw(decrby a 1)], [qw(incrbyfloat a 1.5)],
        [qw(setnx a b)], [qw(setex a 10 b)], [qw(psetex a 10 b)],
        [qw(setrange a 0 b)], [qw(getrange a 0 1)], [qw(substr a 0 1)],
        [qw(strlen a)], [qw(expire a 10)], [qw(expire a 10 NX)],
        [qw(pexpire a 10)], [qw(expireat a 10)], [qw(pexpireat a 10)],
        [qw(ttl a)], [qw(pttl a)], [qw(expiretime a)], [qw(pexpiretime a)],
        [qw(persist a)], [qw(type a)], [qw(move a 1)],
        [qw(object encoding k)], [qw(OBJECT ENCODING k)],
        [qw(object freq k)], [qw(object idletime k)],
        [qw(object refcount k)], [qw(object help)], [qw(object)],
        [qw(object foo k)], [qw(object enc)], [qw(object encoding)],
        [qw(object encoding a b)], [ 'object', '' ],
        [qw(nosuch a)], [ '', 'a' ], [qw(ping a)], [qw(ping)], [qw(echo x)],
        [qw(keys *)], [qw(scan 0)], [qw(dbsize)], [qw(randomkey)],
        [qw(flushall)], [qw(swapdb 0 1)], [qw(select 1)], [qw(info)],
        [qw(config get x)], [qw(config)], [qw(client id)],
        [qw(command getkeys get a)], [qw(command)], [qw(command info)],
        [qw(shutdown)], [qw(time)], [qw(quit)], [qw(hello)], [qw(reset)],
        [ 'get', "k\0\r\n" ], [ 'get', '' ], [ 'set', 'a', 'b', "get\0x" ],
        [ 'set', 'a', 'b', "ge\0" ], [ 'set', 'a', 'b', "gett" ],
    );
    for my $g (@getkeys) {
        my ($c) = lc $g->[0];
        # a command redis has and kevyd has not answers differently
        next if $c ne '' && !$kevyd{$c} && $c ne 'nosuch';
        $one->('COMMAND', 'GETKEYS', @$g);
        $one->('COMMAND', 'GETKEYSANDFLAGS', @$g);
    }
    $one->(qw(COMMAND GETKEYS));
    $one->(qw(COMMAND GETKEYSANDFLAGS));
    $one->(qw(COMMAND GETKEYS get));
    $one->(qw(command getkeys mset a 1 b 2));
    $add->('COMMAND GETKEYS del with 1000 keys',
           [ qw(COMMAND GETKEYS del), map { "k$_" } 1 .. 1000 ]);
    $add->('COMMAND GETKEYSANDFLAGS mset with 500 pairs',
           [ qw(COMMAND GETKEYSANDFLAGS mset), map { ("k$_", $_) } 1 .. 500 ]);

    # -------------------------------------------- HELP, errors

    $one->(qw(COMMAND HELP));
    $one->(qw(command help));
    $one->(qw(COMMAND HELP x));
    $one->(qw(COMMAND FOO));
    $one->(qw(COMMAND FOO bar));
    $one->('COMMAND', '');
    $one->('COMMAND', "x\r\ny");

    # -------------------------------------------- transports

    $add->('pipeline: COMMAND INFO, DOCS, GETKEYS, LIST, HELP, errors',
           [qw(COMMAND INFO get)], [qw(COMMAND DOCS set)],
           [qw(COMMAND GETKEYS mset a 1 b 2)], [qw(COMMAND LIST FILTERBY
           MODULE x)], [qw(COMMAND HELP)], [qw(COMMAND FOO)],
           [qw(COMMAND GETKEYSANDFLAGS set k v GET)],
           [qw(COMMAND INFO object|help)]);
    push @cases, [ 'pipelined in one write, 50 times',
                   [ map { ([qw(COMMAND INFO ttl)], [qw(COMMAND DOCS get)],
                            [qw(COMMAND GETKEYS rename a b)],
                            [qw(COMMAND INFO nosuch)]) } 1 .. 50 ],
                   pipeline => 1, flush => 0 ];
    $add->('inline COMMAND INFO get and GETKEYS',
           { raw => "COMMAND INFO get\r\nCOMMAND GETKEYS mset a 1 b 2\r\n"
                    . "command docs strlen\r\n", replies => 3 });
    return @cases;
}

Diff::each_server(sub ($d) {
    my $names = listed($d->kevyd);
    ok(scalar @$names, $d->label . ': COMMAND LIST lists commands')
        or diag('kevyd listed no command');
    $d->cases(cases_for($d, $names));
});

done_testing;
