package Kevyd;

# Kevyd.pm: run kevyd (and redis-server) from the process tests.
#
#   use lib 't/lib';
#   use Kevyd qw(start_redis);
#
#   my $k = Kevyd->new(conf => { 'worker-processes' => 4 })->start;
#   is($k->cmd('PING'), "+PONG\r\n", 'PING');
#   is($k->stop, 0, 'exit status 0');
#
# Every server lives in its own temporary directory on a free loopback port
# and is killed (with its whole process group) when its object goes away or
# the test exits, even when the test dies half-way. Every wait is bounded.
#
# Exit statuses are returned as shell does: the exit code, or 128 + the
# signal number when the process was killed; undef when it did not exit in
# time.

use v5.36;

use Exporter 'import';
use Cwd qw(abs_path);
use File::Basename qw(dirname);
use File::Temp qw(tempdir);
use IO::Socket::INET;
use POSIX qw(:sys_wait_h setpgid);
use Scalar::Util qw(weaken);
use Time::HiRes qw(sleep time);

our @EXPORT_OK = qw(binary run_kevyd free_port have_redis start_redis
                    safety_alarm wait_for write_file read_file
                    key_slot key_shard key_on);

our $REPO = abs_path(dirname(__FILE__) . '/../..');

my @servers;    # every live Kevyd / RedisServer, for the END block
my $owner = $$; # forked helpers must not clean up their parent's servers

# The defaults of a test configuration, in the order they are written.
my @DEFAULT_ORDER = qw(port bind worker-processes pidfile logfile dir
                       loglevel shutdown-timeout);

sub binary () { $ENV{KEVYD} // "$REPO/objs/kevyd" }

# ---------------------------------------------------------------- helpers

# A loopback TCP port nobody listens on right now.
sub free_port () {
    my $s = IO::Socket::INET->new(
        LocalAddr => '127.0.0.1', LocalPort => 0, Proto => 'tcp',
        Listen => 1) or die "cannot bind a free port: $!";
    my $port = $s->sockport;
    close $s;
    return $port;
}

# Call $cond every 20 ms until it returns true or $timeout seconds passed;
# returns the last value of $cond.
sub wait_for ($cond, $timeout = 10) {
    my $deadline = time + $timeout;
    while (1) {
        _reap_all();
        my $v = $cond->();
        return $v if $v;
        return $v if time >= $deadline;
        sleep 0.02;
    }
}

# Die with a diagnostic after $secs so a stuck test cannot hang prove; the
# END block still kills every server.
sub safety_alarm ($secs = 120) {
    $SIG{ALRM} = sub {
        print STDERR "# safety alarm: test took more than $secs s\n";
        exit 254;
    };
    $SIG{INT} = $SIG{TERM} = sub { exit 253 };
    alarm $secs;
}

sub write_file ($file, $text) {
    open my $fh, '>', $file or die "open $file: $!";
    print $fh $text;
    close $fh or die "close $file: $!";
}

sub read_file ($file) {
    open my $fh, '<', $file or return undef;
    local $/;
    my $t = <$fh>;
    return $t // '';
}

# ------------------------------------------------------------ key routing

# Redis Cluster's hash slot of a key (CRC16-XMODEM of the key or of its
# {hashtag}, mod 16384) and the kevyd shard owning it when there are
# $nshards workers (contiguous slot ranges, as in src/crc16.h).
my @CRC16;
for my $i (0 .. 255) {
    my $c = $i << 8;
    $c = (($c & 0x8000) ? ($c << 1) ^ 0x1021 : $c << 1) & 0xffff for 1 .. 8;
    $CRC16[$i] = $c;
}

sub key_slot ($key) {
    my $s = index($key, '{');
    if ($s >= 0) {
        my $e = index($key, '}', $s + 1);
        $key = substr($key, $s + 1, $e - $s - 1) if $e > $s + 1;
    }
    my $crc = 0;
    $crc = (($crc << 8) & 0xffff) ^ $CRC16[(($crc >> 8) ^ $_) & 0xff]
        for unpack 'C*', $key;
    return $crc & 16383;
}

sub key_shard ($key, $nshards) {
    return int(key_slot($key) * $nshards / 16384);
}

# The first key "$prefix$i" (i = 1, 2 ...) that shard $shard of $nshards
# owns.
sub key_on ($shard, $prefix, $nshards = 2) {
    for my $i (1 .. 10000) {
        return "$prefix$i" if key_shard("$prefix$i", $nshards) == $shard;
    }
    die "no key on shard $shard of $nshards\n";
}

sub _status ($st) {
    return WIFEXITED($st) ? WEXITSTATUS($st) : 128 + WTERMSIG($st);
}

# Run the kevyd binary with @$args, wait at most $timeout seconds; returns
# (exit status, stdout, stderr). A process still running at the deadline is
# killed and its status is undef.
sub run_kevyd ($args, $timeout = 15) {
    my $dir = tempdir('kevyd-run-XXXXXX', TMPDIR => 1, CLEANUP => 1);
    my ($out, $err) = ("$dir/stdout", "$dir/stderr");
    my $pid = fork // die "fork: $!";
    if ($pid == 0) {
        open STDIN, '<', '/dev/null';
        open STDOUT, '>', $out;
        open STDERR, '>', $err;
        exec { binary() } binary(), @$args
            or print STDERR "exec " . binary() . ": $!\n";
        POSIX::_exit(127);
    }
    my $status;
    wait_for(sub {
        my $r = waitpid($pid, WNOHANG);
        $status = _status($?) if $r == $pid;
        return $r == $pid || $r == -1;
    }, $timeout);
    if (!defined $status) {
        kill 'KILL', $pid;
        waitpid($pid, 0);
    }
    return ($status, read_file($out) // '', read_file($err) // '');
}

# Remember a server for the END block without keeping it alive.
sub _register ($s) {
    @servers = grep { defined } @servers;
    push @servers, $s;
    weaken($servers[-1]);
}

sub _reap_all () {
    local ($!, $?);
    for my $s (@servers) {
        next unless $s && $s->{pid} && !defined $s->{exit};
        my $r = waitpid($s->{pid}, WNOHANG);
        if ($r == $s->{pid}) {
            $s->{exit} = _status($?);
        } elsif ($r == -1) {
            $s->{exit} //= -1;    # not our child any more: unknown status
        }
    }
}

# ---------------------------------------------------------------- kevyd

# Kevyd->new(conf => { name => value, ... }, conf_raw => "text;\n",
#            wrap => ['taskset', '-c', '0'])
# A value of undef leaves the setting out of the file. wrap is a command
# that execs kevyd (the master keeps its pid).
sub new ($class, %opts) {
    my $dir = tempdir('kevyd-t-XXXXXX', TMPDIR => 1, CLEANUP => !$ENV{KEVYD_KEEP});
    my $self = bless {
        dir => $dir,
        conf_file => "$dir/kevy.conf",
        stderr_file => "$dir/stderr.log",
        conf => {
            port => free_port(),
            bind => '127.0.0.1',
            'worker-processes' => 2,
            pidfile => "$dir/kevyd.pid",
            logfile => "$dir/kevyd.log",
            dir => $dir,
            loglevel => 'notice',
            'shutdown-timeout' => 5,
        },
        conf_raw => $opts{conf_raw} // '',
        wrap => $opts{wrap} // [],
    }, $class;
    my $conf = $opts{conf} // {};
    $self->{conf}{$_} = $conf->{$_} for keys %$conf;
    $self->write_conf;
    _register($self);
    return $self;
}

sub dir ($self)         { $self->{dir} }
sub conf_file ($self)   { $self->{conf_file} }
sub port ($self)        { $self->{conf}{port} }
sub pidfile ($self)     { $self->{conf}{pidfile} }
sub logfile ($self)     { $self->{conf}{logfile} }
sub conf ($self, $name) { $self->{conf}{$name} }

sub _conf_value ($v) {
    return $v if $v =~ /^-?\d+$/ || $v eq 'true' || $v eq 'false';
    (my $q = $v) =~ s/(["\\])/\\$1/g;
    return qq("$q");
}

# The text of kevy.conf for the current settings. KEVYD_IO_BACKEND in the
# environment (make check runs the suite once per backend) picks the
# io-backend of every server whose test does not set one itself; it goes
# last so that it moves no line a test points at.
sub conf_text ($self) {
    my $c = $self->{conf};
    my %seen;
    my @names = grep { !$seen{$_}++ } @DEFAULT_ORDER, sort keys %$c;
    my $text = '';
    for my $n (@names) {
        next unless defined $c->{$n};
        $text .= "$n = " . _conf_value($c->{$n}) . ";\n";
    }
    $text .= $self->{conf_raw};
    my $backend = $ENV{KEVYD_IO_BACKEND} // '';
    if ($backend ne '' && !exists $c->{'io-backend'}
        && $self->{conf_raw} !~ /^\s*io-backend\b/m) {
        $text .= "\n" if length $text && $text !~ /\n\z/;
        $text .= "io-backend = " . _conf_value($backend) . ";\n";
    }
    return $text;
}

sub write_conf ($self) {
    write_file($self->{conf_file}, $self->conf_text);
    return $self;
}

# rewrite_conf(name => value, ..., conf_raw => text): change settings (undef
# removes one) and rewrite the file; the server is not signalled.
sub rewrite_conf ($self, %changes) {
    $self->{conf_raw} = delete $changes{conf_raw} if exists $changes{conf_raw};
    $self->{conf}{$_} = $changes{$_} for keys %changes;
    return $self->write_conf;
}

# Line number (1-based) of the first line of kevy.conf matching $re.
sub conf_line ($self, $re) {
    my @lines = split /\n/, read_file($self->{conf_file});
    for my $i (0 .. $#lines) {
        return $i + 1 if $lines[$i] =~ $re;
    }
    return undef;
}

sub _spawn ($self) {
    delete $self->{exit};
    delete $self->{conn};
    my $pid = fork // die "fork: $!";
    if ($pid == 0) {
        # Own process group: the cleanup kills workers the master left.
        setpgid(0, 0);
        open STDIN, '<', '/dev/null';
        open STDOUT, '>>', $self->{stderr_file};
        open STDERR, '>&', \*STDOUT;
        my @cmd = (@{ $self->{wrap} }, binary(), '-c', $self->{conf_file});
        exec { $cmd[0] } @cmd
            or print STDERR "exec " . binary() . ": $!\n";
        POSIX::_exit(127);
    }
    setpgid($pid, $pid);
    $self->{pid} = $pid;
    return $pid;
}

# Start in the foreground; wait until PING answers +PONG and the log says
# "ready to accept connections". Dies (with the log tail) on failure.
sub start ($self, $timeout = 10) {
    die "binary " . binary() . " not found\n" unless -x binary();
    $self->_spawn;
    my $ready = wait_for(sub {
        return 1 if !$self->is_running;
        my $c = $self->try_conn(1) or return 0;
        my $r = $c->cmd('PING');
        return 0 unless defined $r && $r eq "+PONG\r\n";
        return $self->_all_logs =~ /ready to accept connections/;
    }, $timeout);
    if (!$ready || !$self->is_running) {
        my $why = $self->is_running
            ? "not ready after $timeout s"
            : "exited with status $self->{exit}";
        $self->_kill_all;
        die "kevyd $why\n" . $self->_tails;
    }
    return $self;
}

# Start and expect the process to exit within $timeout seconds; returns
# (exit status or undef, stderr text).
sub start_fails ($self, $timeout = 10) {
    $self->_spawn;
    my $st = $self->wait_exit($timeout);
    $self->_kill_all unless defined $st;
    return ($st, read_file($self->{stderr_file}) // '');
}

sub _all_logs ($self) {
    return (read_file($self->logfile // '') // '')
        . (read_file($self->{stderr_file}) // '');
}

sub _tails ($self) {
    my $out = '';
    for my $f ($self->logfile, $self->{stderr_file}) {
        next unless defined $f && -e $f;
        my @l = split /\n/, read_file($f);
        splice @l, 0, -30 if @l > 30;
        $out .= "--- $f\n" . join('', map { "$_\n" } @l);
    }
    return $out;
}

sub master_pid ($self) { $self->{pid} }

sub is_running ($self) {
    return 0 unless $self->{pid};
    _reap_all();
    return !defined $self->{exit};
}

# The exit status once the master has exited, else undef.
sub exit_status ($self) { _reap_all(); $self->{exit} }

# Wait up to $timeout seconds for the master to exit; its status or undef.
sub wait_exit ($self, $timeout = 10) {
    wait_for(sub { !$self->is_running }, $timeout);
    return $self->{exit};
}

# pid => [ppid, state] of every process, from /proc/*/stat.
sub _procs () {
    my %p;
    opendir my $d, '/proc' or return {};
    for my $pid (grep { /^\d+$/ } readdir $d) {
        my $stat = read_file("/proc/$pid/stat") // next;
        # "pid (comm) state ppid ...": comm may hold spaces and parens.
        $stat =~ /\)\s+(\S)\s+(\d+)/ or next;
        $p{$pid} = [$2, $1];
    }
    return \%p;
}

# True while $pid exists and is not a zombie.
sub pid_alive ($pid) {
    my $stat = read_file("/proc/$pid/stat") // return 0;
    return $stat =~ /\)\s+([^Z\s])\s/ ? 1 : 0;
}

# The process title, NULs turned into spaces and trailing blanks cut.
sub cmdline ($pid) {
    my $c = read_file("/proc/$pid/cmdline") // return undef;
    $c =~ tr/\0/ /;
    $c =~ s/\s+$//;
    return $c;
}

# { slot => pid } for every child of the master titled
# "kevyd: worker process N"; zombies are left out.
sub worker_pids ($self) {
    my $master = $self->{pid} or return {};
    my $procs = _procs();
    my %w;
    for my $pid (keys %$procs) {
        my ($ppid, $state) = @{ $procs->{$pid} };
        next unless $ppid == $master && $state ne 'Z';
        my $title = cmdline($pid) // next;
        $w{$1} = $pid if $title =~ /^kevyd: worker process (\d+)/;
    }
    return \%w;
}

# The slot of the worker holding the server side of $conn (a Kevyd::Conn),
# found in /proc without asking the server (which may be stuck); undef when
# no worker has accepted it within $timeout seconds.
sub slot_of ($self, $conn, $timeout = 2) {
    return $self->slots_of([$conn], $timeout)->[0];
}

# The same for several connections at once (one scan of /proc a round):
# an array ref of slots (undef for those not accepted in time).
sub slots_of ($self, $conns, $timeout = 2) {
    my $srv = sprintf '%08X:%04X', 0x0100007f, $self->port;
    my %want;    # local address of a connection -> its index
    for my $i (0 .. $#$conns) {
        $want{ sprintf '%08X:%04X', 0x0100007f, $conns->[$i]->sock->sockport }
            = $i;
    }
    my @slot;
    wait_for(sub {
        # "sl local rem st tx:rx tr:when retrnsmt uid timeout inode ..."
        my %inode;    # inode -> index of a connection not placed yet
        for my $l (split /\n/, read_file('/proc/net/tcp') // '') {
            next if index($l, " $srv ") < 0;
            my @f = split ' ', $l;
            next unless $f[1] eq $srv && $f[3] eq '01' && $f[9];
            my $i = $want{ $f[2] };
            $inode{ $f[9] } = $i if defined $i && !defined $slot[$i];
        }
        my $w = $self->worker_pids;
        for my $s (keys %$w) {
            last unless %inode;
            opendir my $d, "/proc/$w->{$s}/fd" or next;
            for (readdir $d) {
                my $l = readlink("/proc/$w->{$s}/fd/$_") // next;
                next unless $l =~ /^socket:\[(\d+)\]$/;
                my $i = delete $inode{$1};
                $slot[$i] = $s if defined $i;
            }
        }
        return !grep { !defined $slot[$_] } 0 .. $#$conns;
    }, $timeout);
    return [ @slot[ 0 .. $#$conns ] ];
}

# Every (non-zombie) child of the master, titled or not.
sub children ($self) {
    my $master = $self->{pid} or return [];
    my $procs = _procs();
    return [ grep { $procs->{$_}[0] == $master && $procs->{$_}[1] ne 'Z' }
             keys %$procs ];
}

sub signal ($self, $name) {
    return kill $name, $self->{pid};
}

# kevyd -c <conf> @args; returns (exit status, stdout . stderr).
sub ctl ($self, @args) {
    my ($st, $out, $err) = run_kevyd(['-c', $self->{conf_file}, @args]);
    return ($st, $out . $err);
}

# TERM, wait up to $timeout seconds; the exit status (undef: killed by us).
sub stop ($self, $timeout = 10) {
    return $self->{exit} unless $self->is_running;
    $self->signal('TERM');
    my $st = $self->wait_exit($timeout);
    $self->_kill_all unless defined $st;
    return $st;
}

sub log_text ($self) { read_file($self->logfile) // '' }
sub log_size ($self) { -s $self->logfile // 0 }
sub stderr_text ($self) { read_file($self->{stderr_file}) // '' }

# Wait until the log (from byte $from on) matches $re. Returns the captures
# (or (1) without captures) of the first match; an empty list on timeout.
sub wait_log ($self, $re, $timeout = 10, $from = 0) {
    my @m;
    wait_for(sub {
        my $t = $self->log_text;
        @m = length($t) > $from ? (substr($t, $from) =~ $re) : ();
        return scalar @m;
    }, $timeout);
    return @m;
}

# Log lines from byte $from on.
sub log_lines ($self, $from = 0) {
    my $t = $self->log_text;
    return () if length($t) <= $from;
    return split /\n/, substr($t, $from);
}

# Kill the master's process group and any worker we can still see.
sub _kill_all ($self) {
    local ($!, $?);
    return unless $self->{pid} && $$ == $owner;
    my @w = values %{ $self->worker_pids };
    kill 'CONT', @w if @w;
    kill 'KILL', -$self->{pid};
    kill 'KILL', $self->{pid}, @w;
    $self->wait_exit(5);
}

sub cleanup ($self) {
    local ($!, $?);
    return unless $self->{pid} && $$ == $owner;
    if ($self->is_running) {
        $self->signal('TERM');
        $self->wait_exit(3);
    }
    kill 'CONT', values %{ $self->worker_pids };
    # The group outlives the master when a worker was left behind.
    kill 'KILL', -$self->{pid};
    $self->_kill_all if $self->is_running;
    delete $self->{pid};
}

sub DESTROY ($self) { $self->cleanup }

# ---------------------------------------------------------- connections

# A new Kevyd::Conn to the server, or die.
sub conn ($self, $timeout = 5) {
    return Kevyd::Conn->new('127.0.0.1', $self->port, $timeout)
        // die "connect to 127.0.0.1:" . $self->port . ": $@\n";
}

# A new connection served by worker $slot (the kernel spreads connections
# over the workers: open them until one lands there); dies after 200.
# $timeout as for conn().
sub conn_on ($self, $slot, $timeout = 5) {
    for (1 .. 200) {
        my $c = $self->try_conn($timeout) // next;
        my $s = $self->slot_of($c);
        return $c if defined $s && $s == $slot;
        $c->close;
    }
    die "no connection served by worker $slot\n";
}

# A new Kevyd::Conn, or undef when the connect fails.
sub try_conn ($self, $timeout = 5) {
    return Kevyd::Conn->new('127.0.0.1', $self->port, $timeout);
}

# Through one connection kept by the object.
sub _default_conn ($self) {
    my $c = $self->{conn};
    $c = $self->{conn} = $self->conn if !$c || $c->{eof};
    return $c;
}

sub cmd ($self, @args)  { $self->_default_conn->cmd(@args) }
sub raw ($self, $bytes) { $self->_default_conn->raw($bytes) }
sub read_reply ($self)  { $self->_default_conn->read_reply }

# ---------------------------------------------------------- redis-server

sub have_redis () {
    for my $d (split /:/, $ENV{PATH} // '/usr/bin') {
        return "$d/redis-server" if -x "$d/redis-server";
    }
    return undef;
}

sub start_redis (@args) { RedisServer->new(@args) }

END {
    if ($$ == $owner) {
        local $?;
        $_->cleanup for grep { defined } @servers;
    }
}

# ================================================================ Conn

package Kevyd::Conn;

# One RESP connection with a read buffer. Replies are returned as their raw
# bytes; undef on EOF or timeout ($conn->{error} says which).

use v5.36;
use IO::Select;
use IO::Socket::INET;
use Time::HiRes qw(time);

sub new ($class, $host, $port, $timeout = 5) {
    my $s = IO::Socket::INET->new(
        PeerAddr => $host, PeerPort => $port, Proto => 'tcp',
        Timeout => $timeout);
    if (!$s) {
        $@ = "$!";
        return undef;
    }
    $s->autoflush(1);
    binmode $s;
    return bless { sock => $s, buf => '', timeout => $timeout,
                   eof => 0, error => undef }, $class;
}

sub sock ($self) { $self->{sock} }

sub close ($self) {
    CORE::close($self->{sock}) if $self->{sock};
    $self->{eof} = 1;
}

# The RESP multibulk encoding of @args.
sub encode (@args) {
    my $out = '*' . scalar(@args) . "\r\n";
    $out .= '$' . length($_) . "\r\n$_\r\n" for @args;
    return $out;
}

sub raw ($self, $bytes) {
    my $off = 0;
    local $SIG{PIPE} = 'IGNORE';
    while ($off < length $bytes) {
        my $n = syswrite($self->{sock}, $bytes, length($bytes) - $off, $off);
        if (!defined $n) {
            $self->{error} = "write: $!";
            return undef;
        }
        $off += $n;
    }
    return 1;
}

sub cmd ($self, @args) {
    $self->raw(encode(@args)) or return undef;
    return $self->read_reply;
}

# Make sure $n bytes are buffered; false on EOF or timeout.
sub _fill ($self, $n, $deadline) {
    my $sel = IO::Select->new($self->{sock});
    while (length($self->{buf}) < $n) {
        my $left = $deadline - time;
        if ($left <= 0 || !$sel->can_read($left)) {
            $self->{error} = 'timeout';
            return 0;
        }
        my $r = sysread($self->{sock}, $self->{buf}, 65536,
                        length $self->{buf});
        if (!$r) {
            $self->{eof} = 1;
            $self->{error} = defined $r ? 'eof' : "read: $!";
            return 0;
        }
    }
    return 1;
}

sub _line ($self, $deadline) {
    while (1) {
        my $i = index($self->{buf}, "\r\n");
        if ($i >= 0) {
            return substr($self->{buf}, 0, $i + 2, '');
        }
        $self->_fill(length($self->{buf}) + 1, $deadline) or return undef;
    }
}

sub _reply ($self, $deadline) {
    my $line = $self->_line($deadline) // return undef;
    my $type = substr($line, 0, 1);
    my $n = substr($line, 1, -2);
    if ($type eq '$' || $type eq '=' || $type eq '!') {
        return $line if $n < 0;
        $self->_fill($n + 2, $deadline) or return undef;
        return $line . substr($self->{buf}, 0, $n + 2, '');
    }
    if ($type eq '*' || $type eq '~' || $type eq '>' || $type eq '%') {
        my $count = $type eq '%' ? 2 * $n : $n;
        my $out = $line;
        for (1 .. $count) {
            $out .= $self->_reply($deadline) // return undef;
        }
        return $out;
    }
    return $line;    # + - : _ , # (
}

# One complete reply, or undef on EOF / timeout.
sub read_reply ($self, $timeout = undef) {
    $self->{error} = undef;
    return $self->_reply(time + ($timeout // $self->{timeout}));
}

# (worker_id, process_id) of the worker serving this connection, from INFO
# server; an empty list when the reply does not say.
sub served_by ($self) {
    my $r = $self->cmd('INFO', 'server') // return ();
    my ($id) = $r =~ /^worker_id:(\d+)\r$/m;
    my ($pid) = $r =~ /^process_id:(\d+)\r$/m;
    return defined $id && defined $pid ? ($id, $pid) : ();
}

# Send $bytes (or the commands of an array ref of array refs) and read $n
# replies, writing and reading at the same time, so a pipeline larger than
# the socket buffers cannot deadlock. Returns an array ref of the raw
# replies, or undef on EOF, error or when $timeout seconds pass without
# progress ($self->{error} says which; $self->{replies} holds what came).
sub pipeline ($self, $bytes, $n = undef, $timeout = undef) {
    if (ref $bytes) {
        $n //= scalar @$bytes;
        $bytes = join '', map { encode(@$_) } @$bytes;
    }
    $timeout //= $self->{timeout};
    my @replies;
    $self->{replies} = \@replies;
    $self->{error} = undef;
    my $off = 0;
    my $s = $self->{sock};
    my $rsel = IO::Select->new($s);
    my $wsel = IO::Select->new($s);
    local $SIG{PIPE} = 'IGNORE';
    my $progress = time;
    while (@replies < $n) {
        # Take every complete reply already buffered.
        while (@replies < $n && length $self->{buf}) {
            my $save = $self->{buf};
            my $r = $self->_reply(0);    # never waits: deadline passed
            if (!defined $r) {
                $self->{buf} = $save;
                last;
            }
            push @replies, $r;
            $progress = time;
        }
        last if @replies >= $n;
        $self->{error} = undef;
        my $left = $progress + $timeout - time;
        if ($left <= 0) {
            $self->{error} = 'timeout';
            return undef;
        }
        my ($r, $w) = IO::Select->select(
            $rsel, $off < length $bytes ? $wsel : undef, undef, $left);
        if ($w && @$w) {
            my $k = syswrite($s, $bytes, length($bytes) - $off, $off);
            if (!defined $k) {
                $self->{error} = "write: $!";
                return undef;
            }
            $off += $k;
            $progress = time;
        }
        if ($r && @$r) {
            my $k = sysread($s, $self->{buf}, 1 << 20, length $self->{buf});
            if (!$k) {
                $self->{eof} = 1;
                $self->{error} = defined $k ? 'eof' : "read: $!";
                return undef;
            }
            $progress = time;
        }
    }
    $self->{error} = undef;
    return \@replies;
}

# True when the server closes the connection within $timeout seconds (any
# bytes still in flight are discarded).
sub wait_eof ($self, $timeout = 5) {
    my $deadline = time + $timeout;
    $self->{buf} = '';
    while (!$self->{eof}) {
        $self->_fill(1, $deadline) or last;
        $self->{buf} = '';
    }
    return $self->{eof};
}

# ================================================================ Redis

package RedisServer;

# redis-server in a temporary directory on a free port, with the same
# cmd / raw / read_reply / conn API as Kevyd.

use v5.36;
use File::Temp qw(tempdir);
use POSIX qw(:sys_wait_h);
use Time::HiRes qw(sleep);

sub new ($class, @extra) {
    my $bin = Kevyd::have_redis() or die "redis-server not installed\n";
    my $dir = tempdir('kevyd-redis-XXXXXX', TMPDIR => 1, CLEANUP => 1);
    my $port = Kevyd::free_port();
    my $self = bless { dir => $dir, conf => { port => $port },
                       stderr_file => "$dir/redis.log" }, $class;
    my $pid = fork // die "fork: $!";
    if ($pid == 0) {
        chdir $dir;
        open STDIN, '<', '/dev/null';
        open STDOUT, '>', "$dir/redis.log";
        open STDERR, '>&', \*STDOUT;
        exec $bin, '--port', $port, '--bind', '127.0.0.1', '--save', '',
            '--appendonly', 'no', '--daemonize', 'no', '--dir', $dir, @extra
            or print STDERR "exec $bin: $!\n";
        POSIX::_exit(127);
    }
    $self->{pid} = $pid;
    Kevyd::_register($self);
    my $ok = Kevyd::wait_for(sub {
        return 1 unless $self->is_running;
        my $c = $self->try_conn(1) or return 0;
        return ($c->cmd('PING') // '') eq "+PONG\r\n";
    }, 10);
    die "redis-server did not start\n" . (Kevyd::read_file("$dir/redis.log")
        // '') unless $ok && $self->is_running;
    return $self;
}

sub port ($self) { $self->{conf}{port} }

sub is_running ($self) {
    Kevyd::_reap_all();
    return $self->{pid} && !defined $self->{exit};
}

sub wait_exit ($self, $timeout = 10) {
    Kevyd::wait_for(sub { !$self->is_running }, $timeout);
    return $self->{exit};
}

no warnings 'once';
*conn = \&Kevyd::conn;
*try_conn = \&Kevyd::try_conn;
*_default_conn = \&Kevyd::_default_conn;
*cmd = \&Kevyd::cmd;
*raw = \&Kevyd::raw;
*read_reply = \&Kevyd::read_reply;

sub stop ($self) {
    return $self->{exit} unless $self->is_running;
    kill 'TERM', $self->{pid};
    my $st = $self->wait_exit(10);
    if (!defined $st) {
        kill 'KILL', $self->{pid};
        $st = $self->wait_exit(5);
    }
    return $st;
}

sub cleanup ($self) {
    local ($!, $?);
    return unless $self->{pid} && $$ == $owner;
    $self->stop;
    delete $self->{pid};
}

sub DESTROY ($self) { $self->cleanup }

1;
