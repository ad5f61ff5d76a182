#!/usr/bin/perl
# Chaos: clients pipeline commands over every shard while workers are
# killed with SIGKILL. Every reply must be the one a model of the client's
# own keys predicts, or the lost-reply error of a command whose shard died;
# a connection may only close when the worker serving it was killed; no
# client may hang; the server recovers every worker.
#
# What a client may expect. Workers keep their shard in memory only (no
# persistence yet), so a killed worker's keys are gone: the model treats a
# kill as "every key of that shard became absent at some moment in the
# kill's window". The killer writes "pre" to a kill log before kill(2) and
# "done" once the process is a zombie (it runs nothing after that) and its
# replacement serves (while a slot is down, an atomic command needing it
# fails at once with xshard.c's error); a client reads the log after each
# batch's replies. A batch overlaps a kill
# when the kill's "pre" is visible after the batch and its "done" was not
# visible before it; only such batches may see keys of that shard vanish or
# get a lost-reply error for a command on that shard.
#
# The model keeps, per key, the set of values the key may hold (uncertain
# after a lost reply, a closed connection, or a kill); every reply must be
# possible, and narrows the set again (a GET that answers "v" means "v").
#
# KEVYD_CHAOS_NO_ATOMIC=1 leaves the cross-shard atomic commands (RENAME,
# MSETNX, COPY) out of the mix; KEVYD_KEEP_LOGS=DIR copies the server log,
# the kill log and the clients' results there.

use v5.36;
use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use List::Util qw(shuffle sum0 min);
use POSIX qw(:sys_wait_h);
use Time::HiRes qw(sleep time);
use Kevyd qw(binary safety_alarm wait_for key_shard read_file write_file);
use Diff qw(vis);

plan skip_all => 'objs/kevyd not built' unless -x binary();
safety_alarm(150);

my $LOST = "-ERR the worker running this command exited before replying; "
         . "the command may or may not have been applied\r\n";
# xshard.c's error when a worker taking part in an atomic command died.
my $XLOST = "-ERR a worker taking part in this command exited; the command "
          . "was not completed\r\n";

my $CLIENTS = 8;        # client processes
my $BATCH = 50;         # commands a pipelined batch
my $RUN = 3;            # seconds each client runs its loop
my $MAX_BATCHES = 2000;
my $KILLS = 5;
my $KILL_EVERY = 0.3;   # seconds between kills
my $READ_TIMEOUT = 5;   # a reply slower than this is a hang
my $NIL = "\0nil";      # "absent" in the model

# ================================================================= client

# Everything below runs in a forked client process, which reports through
# a result file: "name value" lines and "fail text" lines.

my (%st, %shard, @skeys, @nkeys, $nshards, $me, $wseq);
my (@fail, %n);

sub fail_ ($msg) { push @fail, $msg if @fail < 20; $n{failures}++ }

sub bulk ($v) { $v eq $NIL ? "\$-1\r\n" : '$' . length($v) . "\r\n$v\r\n" }

# "$-1" -> $NIL, "$3\r\nabc\r\n" -> abc, anything else undef.
sub unbulk ($r) {
    return $NIL if $r eq "\$-1\r\n";
    return $r =~ /\A\$(\d+)\r\n(.*)\r\n\z/s && length($2) == $1 ? $2 : undef;
}

sub vals ($k)     { sort keys %{ $st{$k} } }
sub may_nil ($k)  { exists $st{$k}{$NIL} }
sub present ($k)  { grep { $_ ne $NIL } keys %{ $st{$k} } }
sub set_to ($k, @v) { $st{$k} = { map { $_ => 1 } @v } }
sub add ($k, @v)  { $st{$k}{$_} = 1 for @v }
sub shown ($k)    { join('|', map { $_ eq $NIL ? 'nil' : $_ } vals($k)) }

sub newval () { 'v' . $me . '.' . ++$wseq }

# Distinct random keys from @$pool, the first two on different shards when
# $spread (for the cross-shard atomic commands).
sub pick ($pool, $count, $spread = 0) {
    for (1 .. 50) {
        my %seen;
        my @k = grep { !$seen{$_}++ } map { $pool->[rand @$pool] } 1 .. $count;
        next unless @k == $count;
        next if $spread && $shard{ $k[0] } == $shard{ $k[1] };
        return @k;
    }
    die "cannot pick $count keys\n";
}

# One random command: { args, keys, writes, xshard }.
sub gen () {
    my $r = rand($ENV{KEVYD_CHAOS_NO_ATOMIC} ? 78 : 100);
    my @all = (@skeys, @nkeys);
    if ($r < 18) {
        my ($k) = pick(\@skeys, 1);
        return { args => ['SET', $k, newval()], keys => [$k] };
    }
    if ($r < 22) {
        my ($k) = pick(\@nkeys, 1);
        return { args => ['SET', $k, int rand 1000], keys => [$k] };
    }
    if ($r < 40) {
        my ($k) = pick(\@all, 1);
        return { args => ['GET', $k], keys => [$k] };
    }
    if ($r < 52) {
        my ($k) = pick(\@nkeys, 1);
        return { args => ['INCR', $k], keys => [$k] };
    }
    if ($r < 62) {
        my @k = pick(\@all, 2 + int rand 5);
        return { args => ['MGET', @k], keys => \@k };
    }
    if ($r < 69) {
        my @k = pick(\@all, 1 + int rand 3);
        return { args => ['DEL', @k], keys => \@k };
    }
    if ($r < 78) {
        my @k = pick(\@skeys, 2 + int rand 3);
        return { args => ['MSET', map { ($_, newval()) } @k], keys => \@k };
    }
    if ($r < 86) {
        my @k = pick(\@skeys, 2, 1);
        return { args => ['RENAME', @k], keys => \@k, xshard => 1 };
    }
    if ($r < 93) {
        my @k = pick(\@skeys, 2, 1);
        return { args => ['MSETNX', map { ($_, newval()) } @k], keys => \@k,
                 xshard => 1 };
    }
    my @k = pick(\@skeys, 2, 1);
    return { args => ['COPY', @k], keys => \@k, xshard => 1 };
}

# The command's effect when we cannot know whether it ran: every value it
# may have written joins the possible ones.
sub maybe_applied ($c) {
    my ($cmd, @a) = @{ $c->{args} };
    if ($cmd eq 'SET') {
        add($a[0], $a[1]);
    } elsif ($cmd eq 'INCR') {
        add($a[0], map { ($_ eq $NIL ? 0 : $_) + 1 } vals($a[0]));
    } elsif ($cmd eq 'DEL') {
        add($_, $NIL) for @a;
    } elsif ($cmd eq 'MSET' || $cmd eq 'MSETNX') {
        for (my $i = 0; $i < @a; $i += 2) {
            add($a[$i], $a[$i + 1]);
        }
    } elsif ($cmd eq 'RENAME') {
        my @v = present($a[0]);
        add($a[0], $NIL);
        add($a[1], @v);
    } elsif ($cmd eq 'COPY') {
        add($a[1], present($a[0]));
    }
}

# Check one reply against the model and apply it; returns an error text.
sub check ($c, $r) {
    my ($cmd, @a) = @{ $c->{args} };
    if ($cmd eq 'SET' || $cmd eq 'MSET') {
        return 'expected +OK' unless $r eq "+OK\r\n";
        for (my $i = 0; $i < @a; $i += 2) {
            set_to($a[$i], $a[$i + 1]);
        }
        return undef;
    }
    if ($cmd eq 'GET') {
        my $v = unbulk($r) // return 'not a bulk reply';
        return "expected one of " . shown($a[0]) unless $st{ $a[0] }{$v};
        set_to($a[0], $v);
        return undef;
    }
    if ($cmd eq 'INCR') {
        $r =~ /\A:(-?\d+)\r\n\z/ or return 'not an integer reply';
        my $x = $1;
        return "expected 1 + one of " . shown($a[0])
            unless grep { ($_ eq $NIL ? 0 : $_) + 1 == $x } vals($a[0]);
        set_to($a[0], $x);
        return undef;
    }
    if ($cmd eq 'MGET') {
        my $p = Diff::parse($r);
        return 'not an array of ' . @a
            unless ref $p eq 'ARRAY' && @$p == @a;
        for my $i (0 .. $#a) {
            my $v = $p->[$i] // $NIL;
            return "element $i ($a[$i]): expected one of " . shown($a[$i])
                unless $st{ $a[$i] }{$v};
        }
        set_to($a[$_], $p->[$_] // $NIL) for 0 .. $#a;
        return undef;
    }
    if ($cmd eq 'DEL') {
        $r =~ /\A:(\d+)\r\n\z/ or return 'not an integer reply';
        my $lo = grep { !may_nil($_) } @a;
        my $hi = grep { present($_) } @a;
        return "expected $lo..$hi" unless $1 >= $lo && $1 <= $hi;
        set_to($_, $NIL) for @a;
        return undef;
    }
    if ($cmd eq 'RENAME') {
        my ($s, $d) = @a;
        if ($r eq "+OK\r\n" && present($s)) {
            set_to($d, present($s));
            set_to($s, $NIL);
            return undef;
        }
        if ($r eq "-ERR no such key\r\n" && may_nil($s)) {
            set_to($s, $NIL);
            return undef;
        }
        return "source may be " . shown($s);
    }
    if ($cmd eq 'MSETNX') {
        my @k = @a[ grep { $_ % 2 == 0 } 0 .. $#a ];
        if ($r eq ":1\r\n" && !grep { !may_nil($_) } @k) {
            for (my $i = 0; $i < @a; $i += 2) {
                set_to($a[$i], $a[$i + 1]);
            }
            return undef;
        }
        return undef if $r eq ":0\r\n" && grep { present($_) } @k;
        return join ', ', map { "$_ may be " . shown($_) } @k;
    }
    if ($cmd eq 'COPY') {
        my ($s, $d) = @a;
        if ($r eq ":1\r\n" && present($s) && may_nil($d)) {
            set_to($s, present($s));
            set_to($d, present($s));
            return undef;
        }
        return undef if $r eq ":0\r\n" && (may_nil($s) || present($d));
        return "source may be " . shown($s) . ", destination " . shown($d);
    }
    die "no check for $cmd\n";
}

# The kill log: "pre ID SLOT PID", "done ID SLOT PID", "end".
my ($klog, $koff, $kbuf, $ended, $checks) = (undef, 0, '', 0, 0);
my (%kill, %pre_at, %done_at);

sub read_kills () {
    $checks++;
    my $t = read_file($klog) // '';
    $kbuf = substr($t, $koff);
    while ($kbuf =~ /\G([^\n]*)\n/gc) {
        my $l = $1;
        $koff += length($l) + 1;
        if ($l =~ /^(pre|done) (\d+) (\d+) (\d+)$/) {
            $kill{$2} = { slot => $3, pid => $4 };
            ($1 eq 'pre' ? \%pre_at : \%done_at)->{$2} //= $checks;
        } elsif ($l eq 'end') {
            $ended = 1;
        }
    }
}

# Shards whose kill may have happened while the batch just checked ran:
# "pre" visible now, "done" not visible at the previous check.
sub fuzzy_shards () {
    my %f;
    for my $id (keys %pre_at) {
        next if defined $done_at{$id} && $done_at{$id} < $checks;
        $f{ $kill{$id}{slot} } = 1;
    }
    return \%f;
}

sub killed_pid ($pid) {
    return grep { $kill{$_}{pid} == $pid } keys %pre_at;
}

# Open a connection and learn which worker accepted it (from /proc: no
# command, so no reply to lose).
sub connect_ ($k) {
    my $t0 = time;
    while (time - $t0 < 10) {
        my $c = $k->try_conn($READ_TIMEOUT);
        if (!$c) {
            sleep 0.05;
            next;
        }
        my $id = $k->slot_of($c, 3);
        my $pid = defined $id ? $k->worker_pids->{$id} : undef;
        return ($c, $id, $pid) if defined $pid;
        sleep 0.05;
    }
    return ();
}

sub client ($id, $k, $nw, $dir) {
    ($me, $nshards, $klog, $wseq) = ($id, $nw, "$dir/kills", 0);
    my $resfile = "$dir/client$id";
    my $deadline;
    @skeys = map { "chaos:c$id:s$_" } 0 .. 47;
    @nkeys = map { "chaos:c$id:n$_" } 0 .. 15;
    for my $k (@skeys, @nkeys) {
        $shard{$k} = key_shard($k, $nw);
        set_to($k, $NIL);
    }
    my %on_shard;
    push @{ $on_shard{ $shard{$_} } }, $_ for @skeys, @nkeys;
    $n{$_} = 0 for qw(sent replies lost xlost eofs eof_lost spurious_lost
                      batches conns open_sent open_replies failures
                      final_keys final_exact final_ambiguous
                      final_lost_to_kill);

    my ($c, $wid, $wpid) = connect_($k);
    if (!$c) {
        fail_('cannot connect');
        $n{hangs}++;
        goto done;
    }
    $n{conns}++;
    # Everybody connected: the parent says go (and starts killing).
    write_file("$dir/ready$id", '');
    wait_for(sub { -s "$dir/go" }, 30);
    $deadline = (read_file("$dir/go") || time) + $RUN;
    my ($csent, $crepl) = (0, 0);
    my $hung = 0;
    while ((time < $deadline || $n{batches} < 2)
           && $n{batches} < $MAX_BATCHES && !$hung) {
        my @batch = map { gen() } 1 .. $BATCH;
        my @replies;
        my $ok = $c->raw(join '', map { Kevyd::Conn::encode(@{ $_->{args} }) }
                                      @batch);
        $n{batches}++;
        $n{sent} += @batch;
        $csent += @batch;
        my $eof = !$ok;
        while (!$eof && @replies < @batch) {
            my $t0 = time;
            my $r = $c->read_reply($READ_TIMEOUT);
            if (defined $r) {
                push @replies, $r;
                next;
            }
            if ($c->{error} eq 'timeout') {
                fail_(sprintf 'hang: no reply %d of %d after %.1f s '
                      . '(worker %d pid %d); command %s',
                      @replies + 1, scalar @batch, time - $t0, $wid, $wpid,
                      vis(join ' ', @{ $batch[@replies]{args} }));
                $n{hangs}++;
                $hung = 1;
            }
            $eof = 1;
        }
        $n{replies} += @replies;
        $crepl += @replies;
        read_kills();
        my $fz = fuzzy_shards();
        for my $i (0 .. $#batch) {
            my $b = $batch[$i];
            my $onfz = grep { $fz->{ $shard{$_} } } @{ $b->{keys} };
            add($_, $NIL) for grep { $fz->{ $shard{$_} } } @{ $b->{keys} };
            if ($i > $#replies) {
                maybe_applied($b);    # no reply: EOF
                $n{eof_lost}++;
                next;
            }
            my $r = $replies[$i];
            my $lost = $r eq $LOST || ($b->{xshard} && $r eq $XLOST);
            if ($lost) {
                $n{ $r eq $LOST ? 'lost' : 'xlost' }++;
                if (!$onfz) {
                    $n{spurious_lost}++;
                    fail_(sprintf 'lost-reply error but no shard of its keys '
                          . 'was killed: %s -> %s (shards %s)',
                          vis(join ' ', @{ $b->{args} }), vis($r),
                          join(',', map { $shard{$_} } @{ $b->{keys} }));
                }
                maybe_applied($b);
                next;
            }
            my $why = check($b, $r);
            if (defined $why) {
                fail_(sprintf 'batch %d command %d: %s -> %s: %s%s',
                      $n{batches}, $i, vis(join ' ', @{ $b->{args} }),
                      vis($r), $why,
                      $onfz ? ' (a shard of its keys was killed)' : '');
                maybe_applied($b);    # resynchronise on what we saw
                if ($b->{args}[0] eq 'GET' && defined unbulk($r)) {
                    set_to($b->{keys}[0], unbulk($r));
                }
            }
        }
        # A shard reset may also come after the batch's last command.
        for my $s (keys %$fz) {
            add($_, $NIL) for @{ $on_shard{$s} // [] };
        }
        last if $hung;
        next unless $eof;

        # The connection closed: only allowed when its worker was killed.
        $n{eofs}++;
        if (!killed_pid($wpid)) {
            fail_(sprintf 'connection closed (%s) but its worker %d '
                  . '(pid %d) was not killed; %d of %d replies read',
                  $c->{error} // 'write failed', $wid, $wpid,
                  scalar @replies, scalar @batch);
        }
        # Requests the dead worker had forwarded may still run on other
        # shards for a moment: let them land before going on.
        sleep 0.2;
        ($c, $wid, $wpid) = connect_($k);
        if (!$c) {
            fail_('cannot reconnect within 10 s');
            $n{hangs}++;
            goto done;
        }
        $n{conns}++;
        ($csent, $crepl) = (0, 0);
    }
    goto done if $hung;
    my $last_check = $checks;

    # The storm is over when the killer writes "end" (every worker back).
    my $t0 = time;
    until ($ended) {
        if (time - $t0 > 20) {
            fail_('no "end" in the kill log after 20 s');
            goto done;
        }
        sleep 0.05;
        read_kills();
    }
    # Kills after our last batch: their shard lost everything we wrote;
    # kills overlapping it: maybe.
    my $fz = fuzzy_shards();
    for my $kid (keys %pre_at) {
        my $s = $kill{$kid}{slot};
        if ($pre_at{$kid} > $last_check) {
            set_to($_, $NIL) for @{ $on_shard{$s} // [] };
        }
    }
    for my $s (keys %$fz) {
        add($_, $NIL) for @{ $on_shard{$s} // [] };
    }

    # The connection that stayed open still answers in step: one PING, one
    # PONG, nothing left over.
    my $pong = $c->cmd('PING');
    if (!defined $pong) {
        fail_("hang: no reply to PING after the storm ($c->{error})");
        $n{hangs}++;
        goto done;
    }
    if ($pong ne "+PONG\r\n" || length $c->{buf}) {
        fail_(sprintf 'last connection: PING -> %s, %d bytes left over',
              vis($c->{buf}), length $c->{buf});
    }
    $n{open_sent} = $csent + 1;
    $n{open_replies} = $crepl + 1;

    # Every key is readable and holds a value the model allows.
    my @all = (@skeys, @nkeys);
    for (my $i = 0; $i < @all; $i += 8) {
        my @k = @all[ $i .. min($i + 7, $#all) ];
        my $r = $c->cmd('MGET', @k);
        if (!defined $r) {
            fail_("hang: no reply to MGET @k after the storm ($c->{error})");
            $n{hangs}++;
            goto done;
        }
        my $p = Diff::parse($r);
        if (ref $p ne 'ARRAY' || @$p != @k) {
            fail_(sprintf 'final MGET %s -> %s', "@k", vis($r));
            next;
        }
        for my $j (0 .. $#k) {
            my $v = $p->[$j] // $NIL;
            $n{final_keys}++;
            $n{ keys %{ $st{ $k[$j] } } == 1 ? 'final_exact'
                                              : 'final_ambiguous' }++;
            fail_(sprintf 'after the storm: %s is %s, model says %s', $k[$j],
                  $v eq $NIL ? 'nil' : vis($v), shown($k[$j]))
                unless $st{ $k[$j] }{$v};
        }
    }
    # Single-key reads agree with MGET (which narrowed the model).
    for my $k (@all[0 .. 7]) {
        my $g = $c->cmd('GET', $k);
        if (!defined $g) {
            fail_("hang: no reply to GET $k after the storm ($c->{error})");
            $n{hangs}++;
            goto done;
        }
        my $v = defined $g ? unbulk($g) : undef;
        fail_(sprintf 'final GET %s -> %s, MGET said %s', $k, vis($g),
              shown($k))
            unless defined $v && $st{$k}{$v};
    }

  done:
    my $out = join '', map { "$_ $n{$_}\n" } sort keys %n;
    $out .= "fail $_\n" for map { s/\n/ /gr } @fail;
    write_file($resfile, $out);
    return @fail ? 1 : 0;
}

# ================================================================= parent

# When the server is wedged: where each worker is, if gdb can tell.
sub backtraces ($k) {
    my $gdb = (grep { -x "$_/gdb" } split /:/, $ENV{PATH} // '')[0]
        or return;
    my $w = $k->worker_pids;
    for my $slot (sort keys %$w) {
        my $bt = `$gdb/gdb -q -batch -p $w->{$slot} -ex bt 2>/dev/null`;
        diag("worker $slot (pid $w->{$slot}):\n"
             . join "\n", grep { /^#\d/ } split /\n/, $bt // '');
    }
}

sub storm ($nw) {
    my $k = Kevyd->new(conf => { 'worker-processes' => $nw,
                                 'shutdown-timeout' => 2 })->start;
    my $dir = $k->dir;
    my $klog = "$dir/kills";
    write_file($klog, '');
    open my $kfh, '>>', $klog or die "open $klog: $!";
    $kfh->autoflush(1);
    my $logline = sub ($l) { syswrite $kfh, "$l\n" };

    my %kids;
    for my $id (1 .. $CLIENTS) {
        my $pid = fork // die "fork: $!";
        if ($pid == 0) {
            $SIG{ALRM} = sub { POSIX::_exit(3) };
            alarm 60;
            srand($$ ^ int(time * 1000));
            my $st = eval { client($id, $k, $nw, $dir) };
            if (!defined $st) {
                write_file("$dir/client$id", "fail client died: $@");
                $st = 2;
            }
            POSIX::_exit($st);
        }
        $kids{$pid} = $id;
    }

    my $ready = wait_for(sub {
        !grep { !-e "$dir/ready$_" } 1 .. $CLIENTS }, 30);
    ok($ready, "$nw workers: $CLIENTS clients connected");
    my $start = time;
    write_file("$dir/go", $start);

    # Kill a worker every $KILL_EVERY s, spreading the kills over the
    # slots (4 workers: each once, then one again; 2 workers: in turn), so
    # no slot reaches the crash-loop limit.
    my @perm = shuffle(0 .. $nw - 1);
    my @order = map { $perm[ $_ % $nw ] } 0 .. $KILLS - 1;
    my (@killed, %killed_pid);
    my $kills_done = 0;
    for my $i (0 .. $KILLS - 1) {
        my $at = $start + 0.3 + $i * $KILL_EVERY;
        sleep $at - time if $at > time;
        my $slot = $order[$i];
        my $pid = wait_for(sub { $k->worker_pids->{$slot} }, 3);
        next unless $pid;
        $logline->("pre $i $slot $pid");
        kill 'KILL', $pid;
        push @killed, "$slot:$pid";
        $killed_pid{$pid} = 1;
        wait_for(sub { !Kevyd::pid_alive($pid) }, 3);
        # The slot is down until its replacement is ready (a second kill of
        # a slot delays the respawn), and an atomic command needing it fails
        # meanwhile: the kill's window lasts until the replacement serves.
        wait_for(sub {
            my $new = $k->worker_pids->{$slot};
            return $new && $new != $pid
                && $k->log_text
                   =~ /worker $slot \(pid $new\) is serving again/;
        }, 5);
        $logline->("done $i $slot $pid");
        $kills_done++;
    }
    is($kills_done, $KILLS, "$nw workers: $KILLS workers killed with "
                            . "SIGKILL (slot:pid @killed)");

    # Every slot serves again (a new pid where we killed).
    my $back = wait_for(sub {
        my $w = $k->worker_pids;
        return keys %$w == $nw && !grep { $killed_pid{$_} } values %$w;
    }, 10);
    ok($back, "$nw workers: all $nw workers are back")
        or diag(explain($k->worker_pids));
    $logline->('end');

    # Wait for the clients: none may hang.
    my %status;
    wait_for(sub {
        for my $p (keys %kids) {
            next if exists $status{ $kids{$p} };
            $status{ $kids{$p} } = $? >> 8 if waitpid($p, WNOHANG) == $p;
        }
        return keys %status == $CLIENTS;
    }, $RUN + 30);
    my @stuck = grep { !exists $status{ $kids{$_} } } keys %kids;
    is(scalar @stuck, 0, "$nw workers: every client finished")
        or diag("clients still running: "
                . join(',', map { $kids{$_} } @stuck));
    kill 'KILL', @stuck if @stuck;
    waitpid($_, 0) for @stuck;

    my (%tot, @fails);
    for my $id (1 .. $CLIENTS) {
        my $t = read_file("$dir/client$id") // "fail no result file\n";
        for (split /\n/, $t) {
            if (/^fail (.*)/) {
                push @fails, "client $id: $1";
            } elsif (/^(\S+) (\d+)$/) {
                $tot{$1} += $2;
                $tot{"min_$1"} = $2
                    if !defined $tot{"min_$1"} || $2 < $tot{"min_$1"};
            }
        }
        push @fails, "client $id: exit status $status{$id}"
            if ($status{$id} // 0) > 1;
    }
    note(sprintf "$nw workers: %d batches, %d commands, %d replies, "
         . "%d lost-reply errors, %d xshard errors, %d closed connections "
         . "(%d commands unanswered), %d connections; final keys: %d exact, "
         . "%d ambiguous",
         map { $tot{$_} // 0 } qw(batches sent replies lost xlost eofs
                                  eof_lost conns final_exact
                                  final_ambiguous));
    cmp_ok($tot{min_batches} // 0, '>=', 2,
           "$nw workers: every client ran at least 2 batches of $BATCH");
    my @hangs = grep { /hang|cannot (?:re)?connect/ } @fails;
    is($tot{hangs} // 0, 0, "$nw workers: no client waited "
                            . ">$READ_TIMEOUT s for a reply or a connection")
        or diag(join "\n", @hangs);
    is($tot{spurious_lost} // 0, 0,
       "$nw workers: lost-reply errors only for commands on killed shards");
    is($tot{replies} + $tot{eof_lost}, $tot{sent},
       "$nw workers: every command answered, or lost with its connection");
    is($tot{open_replies}, $tot{open_sent},
       "$nw workers: connections that stayed open: replies == commands");
    my @model = grep { !/hang|cannot (?:re)?connect|after the storm|final/ }
                @fails;
    is(scalar @model, 0, "$nw workers: every reply is the expected one or "
                         . "the lost-reply error; connections close only "
                         . "when their worker was killed")
        or diag(join "\n", @model[0 .. min($#model, 30)]);
    my @final = grep { /after the storm|final/ && !/hang/ } @fails;
    is(scalar @final, 0, "$nw workers: after the storm, every client key "
                         . "holds a value its model allows "
                         . "($tot{final_keys} keys)")
        or diag(join "\n", @final[0 .. min($#final, 30)]);

    # The server itself.
    ok($k->is_running, "$nw workers: master still running");
    my $c = $k->try_conn(3);
    is($c ? $c->cmd('PING') : undef, "+PONG\r\n",
       "$nw workers: PING on a fresh connection") or backtraces($k);
    my $w = $k->worker_pids;
    is(scalar(keys %$w), $nw, "$nw workers: $nw worker processes");
    my @signal9 = $k->log_text
                  =~ /#m: worker \d+ \(pid \d+\) exited on signal 9$/mg;
    is(scalar @signal9, $KILLS, "$nw workers: log: $KILLS workers exited on "
                                . "signal 9");
    unlike($k->log_text, qr/giving up|\[(?:alert|crit|emerg)\] \d+#w/,
           "$nw workers: no give-up, no worker alert in the log")
        or diag(join "\n", grep { /giving up|\[(?:alert|crit|emerg)\] \d+#w/ }
                           split /\n/, $k->log_text);
    if (my $keep = $ENV{KEVYD_KEEP_LOGS}) {    # a directory
        system('cp', $k->logfile, "$keep/chaos-$nw.log");
        system("cp $dir/client* $dir/kills $keep/ 2>/dev/null");
    }
    is($k->stop, 0, "$nw workers: stop: exit 0")
        or diag(join "\n", grep { defined } ($k->log_lines)[-20 .. -1]);
}

storm(4);
storm(2);

done_testing;
