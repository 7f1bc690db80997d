/* Fixture: wrong-major (see broken_reward.h). */
