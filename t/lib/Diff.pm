package Diff;

# Diff.pm: differential tests. The same commands go to a redis-server and to
# kevyd over raw RESP; the raw reply bytes must be equal.
#
#   use lib 't/lib';
#   use Diff;
#
#   Diff::each_server(sub ($d) {
#       $d->case('SET then GET', [ [qw(SET k v)], [qw(GET k)] ]);
#       $d->case('100 INCR in one write', [ map { [qw(INCR n)] } 1 .. 100 ],
#                pipeline => 1);
#       $d->case('TTL', [ [qw(SET k v EX 100)],
#                         { cmd => [qw(TTL k)], check => \&Diff::is_int } ]);
#   });
#   done_testing;
#
# each_server() starts one redis-server and runs the block once for each
# kevyd worker count (1, 2 and 4; DIFF_WORKERS="1 3" chooses others), each
# time with a fresh kevyd; each_server($block, conf => { name => value })
# gives every kevyd more settings (tiny list nodes, say, where Redis's
# replies do not depend on them). DIFF_SELF=1 puts a second redis-server
# where kevyd would be: every case must then pass, which proves the cases
# deterministic.
# DIFF_LOG=FILE appends one tab-separated line a mismatch (file, workers,
# case, command, redis reply, kevyd reply, first or later mismatch of its
# case), for a to-do list: t/diff_todo.pl reads it. DIFF_DUMP=1
# prints every command with redis's reply, to read what a case pins.
#
# A case is one Test::More assertion. Each case runs on a new connection to
# each server, after FLUSHALL (compared like any step; flush => 0 leaves it
# out). Its steps run in order, each on redis first and then on kevyd:
#
#   [ARGS...]                       a command; the replies must be equal
#   { cmd => [ARGS], check => SUB } SUB->($kevyd_reply, $redis_reply) must
#                                   return true; for replies that are not
#                                   deterministic (TIME, RANDOMKEY, ...)
#   { ..., only_kevyd => 1 }        a check that describes kevyd alone (such
#                                   as HELLO 3 refused): skipped by DIFF_SELF
#   { cmd => [ARGS], until => SUB, timeout => S }
#                                   repeat the command until SUB->($reply)
#                                   is true (at most S seconds, default 3),
#                                   then compare the last replies
#   { raw => BYTES, replies => N, eof => 1 }
#                                   send bytes as they are, read N replies;
#                                   with eof, also whether the server closed
#                                   the connection (within 2 s)
#   { code => SUB }                 SUB->($conn) returns a string, compared
#                                   (or checked with check => SUB)
#   { sleep => SECONDS }            once, between the two servers' steps
#   { reconnect => 1 }              new connections from here on
#
# With pipeline => 1 every command of the case is sent in one write and the
# replies are read afterwards.

use v5.36;

use Exporter 'import';
use File::Basename qw(basename);
use Test::More;
use Time::HiRes qw(sleep time);
use Kevyd qw(have_redis start_redis);

our @EXPORT_OK = qw(vis parse);

my $TIMEOUT = 3;    # seconds a reply may take

# ---------------------------------------------------------------- helpers

# \r \n and other non-printable bytes shown as \xNN; long strings cut.
sub vis ($s, $max = 200) {
    return '(none)' unless defined $s;
    my $len = length $s;
    $s = substr($s, 0, $max) . "...($len bytes)" if $len > $max;
    $s =~ s/\\/\\\\/g;
    $s =~ s/([^\x20-\x7e])/sprintf('\\x%02x', ord $1)/ge;
    return $s;
}

# A raw RESP2 reply as Perl data: strings for + and $, numbers for :, undef
# for nil, array refs for *, { err => 'ERR ...' } for -.
sub parse ($raw) {
    return undef unless defined $raw;
    my $pos = 0;
    my $one;
    $one = sub {
        my $i = index($raw, "\r\n", $pos);
        die "bad reply\n" if $i < 0;
        my ($t, $v) = (substr($raw, $pos, 1), substr($raw, $pos + 1,
                                                     $i - $pos - 1));
        $pos = $i + 2;
        return $v if $t eq '+';
        return { err => $v } if $t eq '-';
        return $v + 0 if $t eq ':';
        if ($t eq '$') {
            return undef if $v < 0;
            my $s = substr($raw, $pos, $v);
            $pos += $v + 2;
            return $s;
        }
        if ($t eq '*') {
            return undef if $v < 0;
            return [ map { $one->() } 1 .. $v ];
        }
        die "unknown reply type '$t'\n";
    };
    my $r = eval { $one->() };
    return $@ ? { bad => $raw } : $r;
}

# Predicates for check => ...
# Parsed replies in a canonical form where arrays are multisets: replies
# whose order is not defined compare equal when their elements are.
sub canon ($p) {
    return 'nil' unless defined $p;
    return '[' . join(',', sort map { canon($_) } @$p) . ']'
        if ref $p eq 'ARRAY';
    return 'ERR<' . ($p->{err} // "bad $p->{bad}") . '>' if ref $p eq 'HASH';
    return unpack('H*', $p);
}

# A step whose array reply is compared as a multiset (SMEMBERS, SORT of a
# hashtable set ...).
sub unordered (@args) {
    return { cmd => [@args], check => sub ($k, $r) {
        defined $k && defined $r && canon(parse($k)) eq canon(parse($r))
    } };
}

sub is_int ($k, $r = undef)   { defined $k && $k =~ /^:-?\d+\r\n\z/ }
sub is_error ($k, $r = undef) { defined $k && $k =~ /^-[^\r\n]*\r\n\z/ }
sub is_bulk ($k, $r = undef)  { defined $k && $k =~ /^\$\d+\r\n/ }
sub is_nil ($k, $r = undef)   { defined $k && $k eq "\$-1\r\n" }

# An integer reply within $tol of redis's.
sub near ($tol) {
    return sub ($k, $r) {
        return 0 unless is_int($k) && is_int($r);
        return abs(parse($k) - parse($r)) <= $tol;
    };
}

# ---------------------------------------------------------------- servers

sub worker_counts () {
    return (0) if $ENV{DIFF_SELF};
    return split ' ', ($ENV{DIFF_WORKERS} // '1 2 4');
}

# Diff->new(workers => N, redis => RedisServer): starts kevyd (or, with
# DIFF_SELF, another redis-server) next to the given redis-server.
sub new ($class, %o) {
    my $redis = $o{redis} // start_redis();
    my ($other, $label);
    if ($ENV{DIFF_SELF}) {
        $other = start_redis();
        $label = 'self';
    } else {
        my %conf = (%{ $o{conf} // {} },
                    'worker-processes' => $o{workers} // 1);
        $conf{'io-backend'} = $ENV{DIFF_IO} if $ENV{DIFF_IO};
        $other = Kevyd->new(conf => \%conf)->start;
        $label = join ' ', "w=$conf{'worker-processes'}",
                 map { "$_=$o{conf}{$_}" } sort keys %{ $o{conf} // {} };
    }
    return bless { redis => $redis, kevyd => $other, label => $label,
                   self => !!$ENV{DIFF_SELF} }, $class;
}

# Run $block->($diff) once for each worker count, all against one redis.
sub each_server ($block, %o) {
    plan skip_all => 'redis-server not installed' unless have_redis();
    plan skip_all => 'objs/kevyd not built'
        unless $ENV{DIFF_SELF} || -x Kevyd::binary();
    my $redis = start_redis();
    for my $w (worker_counts()) {
        my $d = Diff->new(workers => $w, redis => $redis, conf => $o{conf});
        $block->($d);
        $d->{kevyd}->stop;
    }
}

sub redis ($self) { $self->{redis} }
sub kevyd ($self) { $self->{kevyd} }
sub label ($self) { $self->{label} }

# ---------------------------------------------------------------- cases

# A reply, or "(eof)" / "(timeout)" when there was none. After a timeout
# the connection is out of step: later replies are not waited for, so that
# a server that stopped answering costs one timeout a case, not one a step.
sub _reply ($conn) {
    return '(no connection)' unless $conn;
    return '(not read: an earlier reply timed out)' if $conn->{dead};
    my $r = $conn->read_reply;
    return $r if defined $r;
    $conn->{dead} = 1 if ($conn->{error} // '') eq 'timeout';
    return '(' . ($conn->{error} // 'eof') . ')';
}

sub _conn ($server) {
    return Kevyd::Conn->new('127.0.0.1', $server->port, $TIMEOUT);
}

sub _cmd ($conn, $args) {
    return '(no connection)' unless $conn;
    return _reply($conn) if $conn->{dead};
    $conn->raw(Kevyd::Conn::encode(@$args))
        or return '(' . ($conn->{error} // 'write failed') . ')';
    return _reply($conn);
}

sub _describe ($step) {
    return vis(join ' ', @$step) if ref $step eq 'ARRAY';
    return vis(join ' ', @{ $step->{cmd} }) if $step->{cmd};
    return 'raw ' . vis($step->{raw}, 60) if defined $step->{raw};
    return 'code' if $step->{code};
    return '?';
}

# Run one step on one connection; the result to compare.
sub _run ($step, $conn) {
    return _cmd($conn, $step) if ref $step eq 'ARRAY';
    if ($step->{cmd} && $step->{until}) {
        my $deadline = time + ($step->{timeout} // 3);
        while (1) {
            my $r = _cmd($conn, $step->{cmd});
            return $r if $step->{until}->($r) || time >= $deadline
                         || $r =~ /^\(/;
            sleep 0.05;
        }
    }
    return _cmd($conn, $step->{cmd}) if $step->{cmd};
    if (defined $step->{raw}) {
        return '(no connection)' unless $conn;
        $conn->raw($step->{raw});
        my $out = '';
        for (1 .. $step->{replies} // 0) {
            my $r = _reply($conn);
            $out .= $r;
            last if $r =~ /^\(/;
        }
        if ($step->{eof}) {
            $out .= $conn->{eof} || $conn->wait_eof(2) ? '(eof)' : '(open)';
        }
        return $out;
    }
    if ($step->{code}) {
        return '(no connection)' unless $conn;
        my $v = eval { $step->{code}->($conn) };
        return $@ ? "(died: $@)" : $v // '(undef)';
    }
    die "bad step\n";
}

# The pipelined form: one write, then every reply.
sub _pipeline ($steps, $conn) {
    return map { '(no connection)' } @$steps unless $conn;
    my $bytes = join '', map {
        Kevyd::Conn::encode(@{ ref $_ eq 'ARRAY' ? $_ : $_->{cmd} })
    } @$steps;
    $conn->raw($bytes);
    return map { _reply($conn) } @$steps;
}

sub _log ($self, $name, $step, $r, $k, $first) {
    my $file = $ENV{DIFF_LOG} or return;
    open my $fh, '>>', $file or return;
    print $fh join("\t", basename($0), $self->{label}, vis($name),
                   _describe($step), vis($r), vis($k),
                   $first ? 'first' : 'later'), "\n";
    close $fh;
}

# $d->case(NAME, [STEPS], pipeline => 1, flush => 0): one assertion.
sub case ($self, $name, $steps, %o) {
    my @steps = @$steps;
    unshift @steps, ['FLUSHALL'] if $o{flush} // 1;
    my ($rc, $kc) = (_conn($self->{redis}), _conn($self->{kevyd}));
    my (@r, @k);
    if ($o{pipeline}) {
        @r = _pipeline(\@steps, $rc);
        @k = _pipeline(\@steps, $kc);
    } else {
        for my $s (@steps) {
            if (ref $s eq 'HASH' && $s->{sleep}) {
                sleep $s->{sleep};
                push @r, ''; push @k, '';
                next;
            }
            if (ref $s eq 'HASH' && $s->{reconnect}) {
                ($rc, $kc) = (_conn($self->{redis}), _conn($self->{kevyd}));
                push @r, ''; push @k, '';
                next;
            }
            push @r, _run($s, $rc);
            push @k, _run($s, $kc);
        }
    }
    if ($ENV{DIFF_DUMP}) {
        note("case: " . vis($name, 100));
        note("  " . _describe($steps[$_]) . "  ->  " . vis($r[$_], 200))
            for 0 .. $#steps;
    }
    my @bad;
    for my $i (0 .. $#steps) {
        my $s = $steps[$i];
        my $check = ref $s eq 'HASH' ? $s->{check} : undef;
        my $ok;
        if ($check) {
            $ok = $self->{self} && $s->{only_kevyd}
                ? 1 : eval { $check->($k[$i], $r[$i]) };
        } else {
            $ok = $k[$i] eq $r[$i];
        }
        next if $ok;
        push @bad, "step $i: " . _describe($s) . "\n"
                   . "  redis: " . vis($r[$i], 300) . "\n"
                   . "  kevyd: " . vis($k[$i], 300)
                   . ($check ? '  (check failed)' : '');
        $self->_log($name, $s, $r[$i], $k[$i], @bad == 1);
    }
    my $ok = ok(!@bad, "$self->{label}: " . vis($name, 100));
    if (!$ok) {
        splice @bad, 5, @bad - 5, '... (' . (@bad - 5) . ' more)'
            if @bad > 6;
        diag(join "\n", @bad);
    }
    $rc->close if $rc;
    $kc->close if $kc;
    return $ok;
}

# $d->cases([NAME, [STEPS], OPTIONS...], ...)
sub cases ($self, @list) {
    $self->case(@$_) for @list;
}

1;
