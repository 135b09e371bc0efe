def reward(s, a, prev_a):
    # The allowed builtins: len, float, abs, min, max.
    n = len(s.joint_pos) + len(a) - len(prev_a)
    spread = max(s.base_lin_vel[0], 0.0) - min(s.base_lin_vel[1], 0.0)
    biggest = max([abs(s.base_ang_vel[0]), abs(s.base_ang_vel[1])])
    return float(n) * 0.01 + spread - biggest, {"spread": spread, "biggest": biggest}
