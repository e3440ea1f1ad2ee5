/*
 * Internals shared by the dialog files: the dialog object (dialog.c:
 * creation, state, received requests), request building
 * (dialog_request.c) and the dialog table (dialog_table.c).
 */
#ifndef SIPHON_DIALOG_INT_H
#define SIPHON_DIALOG_INT_H

#include "siphon/dialog.h"

/* A route set: n entries (Record-Route values as written), in the order
 * requests list them, followed in the same allocation by their bytes. */
struct sp__dlg_routes {
	unsigned n;
	struct sp_str v[];
};

struct sp_dialog {
	enum sp_dialog_state state;
	bool uac;
	bool secure;
	bool has_local_seq;
	uint32_t local_seq;
	int64_t remote_seq; /* -1: empty */

	/* Fixed for the dialog's life, one allocation (fixed_mem). */
	char *fixed_mem;
	struct sp_str call_id, local_tag, remote_tag;
	struct sp_str local_display, local_uri, remote_display, remote_uri;
	struct sp_str local_contact; /* p == NULL: none */

	/* Replaced by confirmation and target refresh. */
	char *target_mem;
	struct sp_str target; /* p == NULL: none yet */
	struct sp__dlg_routes *routes; /* NULL: empty route set */

	/* Table membership (dialog_table.c). */
	struct sp_dialog_table *table;
	struct sp_dialog *hnext;
	uint32_t hash;
};

/* A tag as the dialog keeps it: a missing tag is the empty (null) tag. */
static inline struct sp_str sp__dlg_tag(struct sp_str tag)
{
	return tag.p ? tag : (struct sp_str){ "", 0 };
}

/* True when msg carries d's ID seen from the side that received a request
 * (uas_view: To tag = local, From tag = remote) or that sent it (From tag
 * = local, To tag = remote). */
bool sp__dlg_id_match(const struct sp_dialog *d, const struct sp_msg *msg, bool uas_view);

#endif
