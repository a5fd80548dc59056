// std::ios_base_library_init: the one libstdc++ symbol of version GLIBCXX_3.4.32 (GCC 13) that TorchSharp's
// libLibTorchSharp.so uses. Debian 12 ships GCC 12's libstdc++, which initialises the standard streams through
// std::ios_base::Init objects instead; this stand-in does the same. See setup.sh.
#include <ios>

namespace std
{
    void ios_base_library_init()
    {
        static ios_base::Init init;
    }
}
