#define BROKEN_ALLOCATES
#include <broken_reward.h>
