/* SPDX-License-Identifier: BSD-3-Clause */
/* The VM lifecycle: states and the transitions allowed between them. */
#ifndef ACRND_STATE_H
#define ACRND_STATE_H

#include <errno.h>
#include <stdbool.h>

enum acrnd_state {
	ACRND_STATE_SHUTOFF,
	ACRND_STATE_STARTING, /* acrn-dm spawned, monitor not yet greeted */
	ACRND_STATE_RUNNING,
	ACRND_STATE_PAUSED,
	ACRND_STATE_SHUTTING_DOWN, /* power button pressed or destroy sent */
	ACRND_STATE_CRASHED,       /* acrn-dm died without a poweroff event */
	ACRND_STATE_SUSPENDED,     /* guest in ACPI S3 */
	_ACRND_STATE_MAX,
	_ACRND_STATE_INVALID = -EINVAL,
};

const char *acrnd_state_to_string(enum acrnd_state s);
enum acrnd_state acrnd_state_from_string(const char *s);
/* Whether the lifecycle may go from @from to @to. */
bool acrnd_state_transition_ok(enum acrnd_state from, enum acrnd_state to);
/* An acrn-dm process exists in these states. */
bool acrnd_state_is_active(enum acrnd_state s);

#endif
