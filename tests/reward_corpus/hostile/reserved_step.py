# expect: line 4: component name 'step' is reserved: TabRL already uses it beside the components
def reward(s, a, prev_a):
    forward = s.base_lin_vel[0]
    return forward, {"forward": forward, "step": s.time / s.dt}
