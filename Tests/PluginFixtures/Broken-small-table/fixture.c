#define BROKEN_SMALL_TABLE
#include <broken_reward.h>
