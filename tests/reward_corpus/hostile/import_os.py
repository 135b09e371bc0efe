# expect: line 2: import is not allowed
import os


def reward(s, a, prev_a):
    os.system("touch /tmp/tabrl_escape_import")
    return 1.0, {"x": 1.0}
