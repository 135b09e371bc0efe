def reward(s, a, prev_a):
    # Conditional expressions, boolean operators and chained comparisons (all lowered to jnp).
    fast = 1.0 if s.base_lin_vel[0] > 0.5 else 0.0
    steady = 1.0 if (s.upright > 0.9 and s.base_height > 0.2) or not s.time < 0.5 else 0.0
    window = 0.2 < s.base_height < 0.4
    gated = jnp.where(window & (s.upright > 0.5), 0.5, 0.0)
    flipped = ~(s.upright > 0.0)
    return fast + steady + gated, {"fast": fast, "steady": steady, "window": window,
                                   "flipped": flipped}
