#define BROKEN_ACCEPTS_ANYTHING
#include <broken_reward.h>
