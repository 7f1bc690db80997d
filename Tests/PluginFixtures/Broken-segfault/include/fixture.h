/* Fixture: segfault (see broken_reward.h). */
