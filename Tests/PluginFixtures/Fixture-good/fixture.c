#define FIXTURE_ABI_1_0
#include <broken_reward.h>
