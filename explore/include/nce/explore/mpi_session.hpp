#pragma once
// MPI for `mpirun -np N nce explore ...` (docs/EXPLORE.md section 6), Open MPI's. MPI is
// initialised only in a process that Open MPI's launcher started (OMPI_COMM_WORLD_SIZE in the
// environment), so a plain `nce explore` never touches MPI. Only the calling thread talks MPI
// (MPI_THREAD_FUNNELED); the training engine's OpenMP threads do not.
#include <string>

namespace nce::explore {

// Launched by mpirun (Open MPI's environment variables present)?
bool launched_by_mpirun();
// This process's rank from the environment (0 when not launched by mpirun): usable before
// MPI_Init, e.g. to let only rank 0 report a bad command line.
int rank_from_environment();
// Ranks of this job on this node (OMPI_COMM_WORLD_LOCAL_SIZE), 1 when not launched by mpirun.
int ranks_on_this_node();

class MpiSession {
 public:
  MpiSession();   // MPI_Init_thread when launched by mpirun
  ~MpiSession();  // MPI_Finalize; MPI_Abort while an exception unwinds, so no rank waits forever
  MpiSession(const MpiSession&) = delete;
  MpiSession& operator=(const MpiSession&) = delete;

  // MPI_Finalize now (e.g. after telling every rank to stop); the destructor then does nothing.
  void finalize();

  bool active() const { return active_; }
  int rank() const { return rank_; }
  int size() const { return size_; }

  // Rank 0 tells every rank whether to go on (collective: every rank calls it).
  bool broadcast_go(bool go) const;
  // Point-to-point messages: text with a tag, or a point's index. receive_* block; poll_text
  // returns at once (a coordinator polls and sleeps, leaving the cores to the workers).
  void send_text(int to, int tag, const std::string& text) const;
  std::string receive_text(int from, int tag) const;
  bool poll_text(int tag, std::string& text, int& from) const;  // false when nothing is waiting
  void send_index(int to, long long index) const;
  long long receive_index(int from) const;

 private:
  bool active_ = false;
  int rank_ = 0;
  int size_ = 1;
};

}  // namespace nce::explore
