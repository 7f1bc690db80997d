#define BROKEN_SEGFAULT
#include <broken_reward.h>
