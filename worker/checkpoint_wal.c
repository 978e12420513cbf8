/*
 * checkpoint-wal: copy the WAL back into the database under the write lock.
 *
 * The application checkpoints after a commit once the WAL is large; this
 * job catches the quiet tail (a WAL that grew a little and then stopped)
 * so the file never stays large between bursts.
 */
#include "jobs.h"

int job_checkpoint_wal(struct job_ctx *ctx, struct gh_error *err)
{
    int left = 0;

    if (db_checkpoint(ctx->db, &left, err) != 0)
        return -1;
    job_count(ctx, "pages_left", left);
    buf_printf(ctx->summary, "WAL checkpointed, %d page%s still needed by readers", left,
               left == 1 ? "" : "s");
    return 0;
}
