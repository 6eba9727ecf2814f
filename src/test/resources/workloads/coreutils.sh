#!/bin/sh
# coreutils and friends on the files of one directory. The caller puts a large file named "big"
# there, with mode 640, an old modification time and a user.origin extended attribute, and
# checks the copy's attributes itself afterwards.
set -eu
cd "$1"

cp -a big big.copy
echo "cp mode and size $(stat -c '%a %s' big.copy)"
[ "$(stat -c %Y big)" = "$(stat -c %Y big.copy)" ] && echo "cp kept mtime"
[ "$(sha256sum < big)" = "$(sha256sum < big.copy)" ] && echo "cp kept content"

mv big.copy moved
[ ! -e big.copy ] && echo "mv removed source"
ls -l moved | awk '{ print "ls -l", $1, $5 }'

mkdir -p tree/a/b
echo one > tree/a/one.txt
echo two > tree/a/b/two.txt
echo "find $(find tree -type f -name '*.txt' | sort | paste -sd ' ' -)"
echo "find size $(find . -maxdepth 1 -name moved -size +60M)"

# 1.3 MB of numbers with a 256 KiB buffer: sort has to spill into temporary files in sort-tmp.
mkdir sort-tmp
seq 200000 | shuf > shuffled
sort -n -S 256K -T sort-tmp shuffled > sorted
[ "$(seq 200000 | sha256sum)" = "$(sha256sum < sorted)" ] && echo "sort -T ordered all lines"
rmdir sort-tmp

tar czf tree.tgz tree
mkdir unpacked
tar xzf tree.tgz -C unpacked
diff -r tree unpacked/tree && echo "tar round trip"
echo "tar list $(tar tzf tree.tgz | sort | paste -sd ' ' -)"

gzip -k sorted
gzip -t sorted.gz
gunzip -c sorted.gz | cmp - sorted && echo "gzip round trip"

echo "sha256sum $(printf abc | sha256sum)"

echo "date $(date -u -d @1000000000 '+%Y-%m-%d %H:%M:%S')"
TZ=UTC date +%s > now
[ "$(cat now)" -gt 1600000000 ] && echo "date now"

echo "env $(env -i ONLY=this env)"
echo "stat $(stat -c '%F %a' tree)"
df -P . | awk 'NR == 2 && $2 > 0 { print "df has blocks" }'

printf 'alpha\nbeta\n' > edit.txt
sed -i 's/beta/gamma/' edit.txt
echo "sed -i $(paste -sd ' ' edit.txt)"

sync
sync -f .
echo "sync done"
echo "nproc $(nproc | awk '$1 > 0 { print "positive" }')"
echo "nice $(nice -n 5 nice)"
echo "ionice $(ionice -c 3 ionice)"
echo "chrt $(chrt -p $$ | sed -n 's/.*scheduling policy: //p')"
