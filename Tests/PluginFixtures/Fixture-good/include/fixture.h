/* Fixture: good (see broken_reward.h). */
