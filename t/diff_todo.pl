#!/usr/bin/perl
# diff_todo.pl LOG: the failing cases a DIFF_LOG file collected, grouped
# by the command of their first mismatch (with the subcommand for COMMAND,
# CLIENT, CONFIG, OBJECT; by case for raw bytes and code steps), each with
# the number of cases per worker count
# and one example: the case, the command, both replies. With -a, every
# mismatch counts, not only the first of each case.
#
#   DIFF_LOG=/tmp/diff.log prove -I t/lib t/diff_*.t
#   perl t/diff_todo.pl [-a] /tmp/diff.log

use v5.36;

my $all = @ARGV && $ARGV[0] eq '-a' ? shift : 0;

my (%n, %first, %workers, @order);
while (my $line = <>) {
    chomp $line;
    my ($file, $w, $case, $cmd, $redis, $kevyd, $first) = split /\t/, $line;
    next unless defined $kevyd;
    next unless $all || ($first // 'first') eq 'first';
    my @words = split ' ', $cmd;
    my $name = uc($words[0] // '?');
    $name .= ' ' . uc($words[1])
        if @words > 1 && $name =~ /^(COMMAND|CLIENT|CONFIG|OBJECT)$/;
    $name = "case '$case'" if $cmd eq 'code' || $cmd =~ /^raw /;
    push @order, $name unless $n{$name};
    $n{$name}++;
    $workers{$name}{$w}++;
    $first{$name} //= "$file: $case\n    $cmd\n    redis: $redis\n"
                      . "    kevyd: $kevyd\n";
}
for my $name (sort { $n{$b} <=> $n{$a} || $a cmp $b } @order) {
    my $w = join ' ', map { "$_:$workers{$name}{$_}" }
                      sort keys %{ $workers{$name} };
    print "$name  ($n{$name} ", $all ? 'mismatches' : 'cases',
          "; $w)\n  $first{$name}\n";
}
