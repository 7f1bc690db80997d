#include <broken_reward.h>
