// What the store's thread and the background checkpointer's thread say to each other.

export type CheckpointRequest = 'checkpoint' | 'close';

/** After a checkpoint: the frames in the WAL and how many of them are now in the database. */
export type CheckpointReply = { ok: true; walFrames: number; copiedFrames: number } | { ok: false; message: string };
