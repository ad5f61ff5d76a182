#!/usr/bin/perl
#
# gen-cmdmeta.pl: write src/cmdmeta.c, the COMMAND INFO and COMMAND DOCS
# data of every command kevyd implements, as a redis-server reports them.
#
#   perl tools/gen-cmdmeta.pl [-s redis-server] [-c src/cmd.c] \
#       [-o src/cmdmeta.c]
#
# The command names come from the command table (src/cmd.c): every entry
# of kv_commands[] and of its subcommand tables, by full name ("get",
# "object|encoding"); internal commands ("@...") are left out. A throwaway
# redis-server (7.0, on a free loopback port, no persistence) answers
# COMMAND INFO <name> and COMMAND DOCS <name> for each; the replies are
# stored as RESP2 fragments, except what kevyd derives at run time:
#
#   - arity and the (first, last, step) key triple come from kv_commands[]
#     (they are recorded here too, for t/unit/check_cmd.c to compare);
#   - the subcommands (INFO's 10th element, DOCS's "subcommands" field)
#     are built from the subcommand tables, so only the ones kevyd has
#     are listed.
#
# The key specs are also written out as data, for COMMAND GETKEYS.
# The output does not depend on Redis's dict order: entries are sorted by
# full name. Run it again whenever a command is added to the table.

use v5.36;
use File::Temp qw(tempdir);
use FindBin;
use Getopt::Std;
use IO::Socket::INET;
use POSIX qw(WNOHANG);
use Time::HiRes qw(sleep);

my %opt;
getopts('s:c:o:', \%opt) or die "usage: $0 [-s redis-server] [-c cmd.c] "
                                . "[-o cmdmeta.c]\n";
my $server  = $opt{s} // $ENV{REDIS_SERVER} // 'redis-server';
my $cmdfile = $opt{c} // "$FindBin::Bin/../src/cmd.c";
my $outfile = $opt{o} // "$FindBin::Bin/../src/cmdmeta.c";

# ---------------------------------------------------------------- table

# Full names of the entries of the command tables: {"name", arity, ...,
# "fullname", fold}.
sub table_names ($file) {
    open my $fh, '<', $file or die "$file: $!\n";
    my $src = do { local $/; <$fh> };
    my @names;
    while ($src =~ /\{\s*"([^"]*)"\s*,\s*-?\d+\s*,[^{}]*?"([^"]+)"\s*,
                    \s*[\w|\s]*\}/sgx) {
        my ($name, $full) = ($1, $2);
        next if $name =~ /^@/;
        push @names, $full;
    }
    die "$file: no command table entries found\n" unless @names;
    my %seen;
    return sort grep { !$seen{$_}++ } @names;
}

# ---------------------------------------------------------------- redis

my ($redis_pid, $tmpdir);

sub start_redis () {
    $tmpdir = tempdir(CLEANUP => 1);
    my $probe = IO::Socket::INET->new(Listen => 1, LocalAddr => '127.0.0.1',
                                      LocalPort => 0, ReuseAddr => 1)
        or die "no free port: $!\n";
    my $port = $probe->sockport;
    close $probe;
    $redis_pid = fork // die "fork: $!\n";
    if ($redis_pid == 0) {
        open STDOUT, '>', "$tmpdir/redis.log";
        open STDERR, '>&', \*STDOUT;
        exec $server, '--port', $port, '--bind', '127.0.0.1', '--save', '',
             '--appendonly', 'no', '--dir', $tmpdir;
        die "exec $server: $!\n";
    }
    for (1 .. 100) {
        my $s = IO::Socket::INET->new(PeerAddr => "127.0.0.1:$port");
        return $s if $s;
        die "$server exited (see its output above)\n"
            if waitpid($redis_pid, WNOHANG) == $redis_pid;
        sleep 0.05;
    }
    die "$server did not start listening on port $port\n";
}

END {
    if ($redis_pid) {
        kill 'TERM', $redis_pid;
        waitpid $redis_pid, 0;
    }
}

sub send_cmd ($s, @args) {
    my $out = '*' . @args . "\r\n";
    $out .= '$' . length($_) . "\r\n$_\r\n" for @args;
    print $s $out;
}

# One RESP2 reply, read whole: a tree of { t => type char, v => value or
# [children], raw => its bytes }.
sub read_reply ($s) {
    my $line = <$s> // die "redis closed the connection\n";
    die "bad reply line\n" unless $line =~ /\r\n\z/;
    my ($t, $v) = (substr($line, 0, 1), substr($line, 1, -2));
    my $raw = $line;
    if ($t eq '$' && $v >= 0) {
        my $n = read($s, my $data, $v + 2);
        die "short read\n" unless $n == $v + 2;
        $raw .= $data;
        $v = substr($data, 0, $v);
    } elsif ($t eq '*' && $v >= 0) {
        my @kids = map { read_reply($s) } 1 .. $v;
        $raw .= $_->{raw} for @kids;
        $v = \@kids;
    } elsif ($t eq '-') {
        die "redis: $v\n";
    } elsif ($t !~ /^[+:\$*]\z/) {
        die "unexpected reply type '$t'\n";
    }
    return { t => $t, v => $v, raw => $raw };
}

# A flat map (RESP2) as a list of [name, value node].
sub pairs ($node) {
    my @kv = @{ $node->{v} };
    # 0 .. @kv / 2 - 1, not 0 .. $#kv / 2: for an empty map (the spec of
    # an "unknown" key spec) that would be 0 .. -0.5, one pair of undefs
    return map { [ $kv[2 * $_]{v}, $kv[2 * $_ + 1] ] } 0 .. @kv / 2 - 1;
}

sub strings ($node) { map { $_->{v} } @{ $node->{v} } }

# ---------------------------------------------------------------- C output

# A C string literal of bytes, split at RESP line ends and at 70 columns.
sub c_literal ($bytes, $indent) {
    my @pieces;
    my $cur = '';
    my $flush = sub { push @pieces, "\"$cur\"" if length $cur; $cur = '' };
    for my $i (0 .. length($bytes) - 1) {
        my $ch = substr($bytes, $i, 1);
        my $e = $ch eq "\r" ? '\r'
              : $ch eq "\n" ? '\n'
              : $ch eq '"'  ? '\"'
              : $ch eq '\\' ? '\\\\'
              : $ch eq '?'  ? '\?'
              : $ch =~ /[\x20-\x7e]/ ? $ch
              : sprintf('\\%03o', ord $ch);
        $flush->() if length($cur) + length($e) > 74 - $indent;
        $cur .= $e;
        $flush->() if $ch eq "\n" && length($cur) > 50 - $indent;
    }
    $flush->();
    return '""' unless @pieces;
    return join("\n" . (' ' x $indent), @pieces);
}

my %KS_FLAG = (RO => 'KV_KS_RO', RW => 'KV_KS_RW', OW => 'KV_KS_OW',
               RM => 'KV_KS_RM', access => 'KV_KS_ACCESS',
               update => 'KV_KS_UPDATE', insert => 'KV_KS_INSERT',
               delete => 'KV_KS_DELETE', not_key => 'KV_KS_NOT_KEY',
               incomplete => 'KV_KS_INCOMPLETE',
               variable_flags => 'KV_KS_VARIABLE_FLAGS');
# Redis lists key spec flags in this order; kv_keyspec_flags_reply()
# writes them the same way.
my @KS_ORDER = qw(RO RW OW RM access update insert delete not_key incomplete
                  variable_flags);

sub keyspec_c ($name, $spec) {
    my %f = map { $_->[0] => $_->[1] } pairs($spec);
    my @flags = strings($f{flags});
    my %rank = map { $KS_ORDER[$_] => $_ } 0 .. $#KS_ORDER;
    for my $i (0 .. $#flags) {
        die "$name: unknown key spec flag '$flags[$i]'\n"
            unless exists $rank{$flags[$i]};
        die "$name: key spec flags out of the expected order\n"
            if $i && $rank{$flags[$i]} < $rank{$flags[$i - 1]};
    }
    my $cflags = join(' | ', map { $KS_FLAG{$_} } @flags) || '0';

    my %bs = map { $_->[0] => $_->[1] } pairs($f{begin_search});
    my %bss = $bs{spec}{t} eq '*'
        ? map { $_->[0] => $_->[1]{v} } pairs($bs{spec}) : ();
    my ($bst, $bsi, $kw) = ('KV_KS_BS_UNKNOWN', 0, 'NULL');
    if ($bs{type}{v} eq 'index') {
        ($bst, $bsi) = ('KV_KS_BS_INDEX', $bss{index});
    } elsif ($bs{type}{v} eq 'keyword') {
        ($bst, $bsi, $kw) = ('KV_KS_BS_KEYWORD', $bss{startfrom},
                             c_literal($bss{keyword}, 0));
    } elsif ($bs{type}{v} ne 'unknown') {
        die "$name: begin_search type '$bs{type}{v}'\n";
    }

    my %fk = map { $_->[0] => $_->[1] } pairs($f{find_keys});
    my %fks = $fk{spec}{t} eq '*'
        ? map { $_->[0] => $_->[1]{v} } pairs($fk{spec}) : ();
    my ($fkt, @a) = ('KV_KS_FK_UNKNOWN', 0, 0, 0);
    if ($fk{type}{v} eq 'range') {
        ($fkt, @a) = ('KV_KS_FK_RANGE', @fks{qw(lastkey keystep limit)});
    } elsif ($fk{type}{v} eq 'keynum') {
        ($fkt, @a) = ('KV_KS_FK_KEYNUM', @fks{qw(keynumidx firstkey keystep)});
    } elsif ($fk{type}{v} ne 'unknown') {
        die "$name: find_keys type '$fk{type}{v}'\n";
    }
    return "    { $cflags,\n      $bst, $bsi, $kw, $fkt, "
           . join(', ', @a) . " },\n";
}

sub c_ident ($name) { (my $s = $name) =~ s/[^a-z0-9]/_/g; $s }

# ---------------------------------------------------------------- main

my @names = table_names($cmdfile);
my $s = start_redis();

send_cmd($s, 'INFO', 'server');
my ($version) = read_reply($s)->{v} =~ /^redis_version:(\S+)/m;

my (@entries, @specs);
for my $name (@names) {
    send_cmd($s, 'COMMAND', 'INFO', $name);
    my $info = read_reply($s)->{v}[0];
    die "redis-server $version has no command '$name'\n"
        unless $info->{t} eq '*';
    my @e = @{ $info->{v} };
    die "$name: COMMAND INFO has " . @e . " fields, not 10\n" unless @e == 10;
    die "$name: COMMAND INFO names '$e[0]{v}'\n" unless $e[0]{v} eq $name;

    send_cmd($s, 'COMMAND', 'DOCS', $name);
    my $docs = read_reply($s);
    die "$name: no COMMAND DOCS\n" unless @{ $docs->{v} } == 2;
    my @fields = pairs($docs->{v}[1]);
    if (@fields && $fields[-1][0] eq 'subcommands') {
        pop @fields;
    }
    die "$name: COMMAND DOCS has 'subcommands' before its last field\n"
        if grep { $_->[0] eq 'subcommands' } @fields;
    my $docraw = join '', map {
        '$' . length($_->[0]) . "\r\n$_->[0]\r\n" . $_->[1]{raw}
    } @fields;

    my @ks = @{ $e[8]{v} };
    my $ksname = 'NULL';
    if (@ks) {
        $ksname = 'kv_ks_' . c_ident($name);
        push @specs, "static const kv_keyspec_t ${ksname}[] = {\n"
                     . join('', map { keyspec_c($name, $_) } @ks) . "};\n";
    }
    my $acl = join ' ', map { s/^@//r } strings($e[6]);

    push @entries,
        "    { \"$name\", $e[1]{v}, $e[3]{v}, $e[4]{v}, $e[5]{v},\n"
        . "      /* flags */\n"
        . "      KV_RESP(" . c_literal($e[2]{raw}, 14) . "),\n"
        . "      /* ACL categories, tips, key specs */\n"
        . "      KV_RESP(" . c_literal($e[6]{raw} . $e[7]{raw} . $e[8]{raw},
                                   14) . "),\n"
        . "      \"$acl\", $ksname, " . scalar(@ks) . ",\n"
        . "      /* docs */ " . scalar(@fields) . ",\n"
        . "      KV_RESP("
        . c_literal($docraw, 14) . ") },\n";
}
close $s;

my $list = join ' ', @names;
$list =~ s/(.{1,72})(?: |$)/ * $1\n/g;

open my $out, '>', "$outfile.tmp" or die "$outfile.tmp: $!\n";
print $out <<"END";
/*
 * cmdmeta.c: what COMMAND INFO and COMMAND DOCS say about each command of
 * the command table, as redis-server $version reports it.
 *
 * GENERATED by tools/gen-cmdmeta.pl from src/cmd.c and a running
 * redis-server: do not edit. After adding a command to the table,
 * regenerate it (t/unit/check_cmd.c fails until then):
 *
 *     perl tools/gen-cmdmeta.pl
 *
 * Commands (${\ scalar @names}):
$list */
#include "cmdmeta.h"

/* clang-format off */

END
print $out join("\n", @specs), "\n";
print $out "const kv_cmdmeta_t kv_cmdmeta[] = {\n", join('', @entries),
           "};\n\n";
print $out "const size_t kv_ncmdmeta = KV_ARRAY_LEN(kv_cmdmeta);\n";
print $out "/* clang-format on */\n";
close $out or die "$outfile.tmp: $!\n";
rename "$outfile.tmp", $outfile or die "rename $outfile: $!\n";
say STDERR "$outfile: ${\ scalar @names} commands from redis-server "
           . "$version";
