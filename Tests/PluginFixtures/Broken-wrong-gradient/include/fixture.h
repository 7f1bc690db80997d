/* Fixture: wrong-gradient (see broken_reward.h). */
