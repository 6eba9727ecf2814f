#!/bin/sh
# perl one-liners, make with a small Makefile, and git in a scratch directory. The caller passes
# the scratch directory and the directory that contains the Makefile, and sets HOME to an empty
# directory so that no user configuration of git or perl is read.
set -eu
scratch=$1
makefile_dir=$2

perl -e 'print "perl map ", join(",", map { $_ * 2 } 1 .. 5), "\n"'
printf 'b 2\na 1\nc 3\n' | perl -lane '$sum += $F[1]; END { print "perl -lane sum $sum" }'
perl -MPOSIX -e 'print "perl POSIX ", POSIX::floor(2.7), " ", strftime("%Y", gmtime(0)), "\n"'
printf 'colour\nflavour\n' > "$scratch/words"
perl -pi -e 's/our$/or/' "$scratch/words"
echo "perl -pi $(paste -sd ' ' "$scratch/words")"
perl -e 'opendir(my $d, $ARGV[0]) or die; my @e = grep { !/^\./ } readdir($d); print "perl readdir ", scalar(@e), "\n"' "$scratch"
perl -e 'my $pid = fork(); if ($pid == 0) { exit 5 } waitpid($pid, 0); print "perl fork ", $? >> 8, "\n"'

mkdir "$scratch/build"
cp "$makefile_dir/Makefile" "$scratch/build/"
cd "$scratch/build"
make -s -j2
cat report.txt
make all | sed 's/^make: //'
make -s clean
echo "make clean left $(ls | paste -sd ' ' -)"

mkdir "$scratch/repo"
cd "$scratch/repo"
git init -q -b main .
git config user.name "Batch Job"
git config user.email "job@example.org"
echo "first" > file.txt
mkdir dir
echo "nested" > dir/nested.txt
git add -A
git commit -q -m "Add two files"
echo "second" >> file.txt
git commit -q -a -m "Change file.txt"
echo "git log $(git log --format=%s | paste -sd '|' -)"
echo "git files $(git ls-files | paste -sd ' ' -)"
echo "git status clean $(git status --porcelain | wc -l)"
git gc -q
echo "git fsck $(git fsck --no-progress 2>&1 | wc -l)"
echo "git show $(git show HEAD:file.txt | paste -sd ' ' -)"
