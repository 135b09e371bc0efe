# expect: line 3: import is not allowed
def reward(s, a, prev_a):
    import subprocess
    subprocess.run(["touch", "/tmp/tabrl_escape_subprocess"])
    return 1.0, {"x": 1.0}
