# SPDX-License-Identifier: LGPL-2.1-or-later
# For denials.sh: opens DIR/f0 .. DIR/fN-1 for reading; prints how many
# opened (inside the sandbox, with DIR outside the view: 0).
import os
import sys

d, n = sys.argv[1], int(sys.argv[2])
opened = 0
for i in range(n):
    try:
        os.close(os.open("%s/f%d" % (d, i), os.O_RDONLY))
        opened += 1
    except FileNotFoundError:
        pass
print(opened)
