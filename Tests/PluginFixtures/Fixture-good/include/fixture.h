/* Fixture: good, built exactly as against ABI 1.0 (see broken_reward.h). */
