#include <string_view>

#include "mynaq/store.hpp"

namespace mynaq {

std::unique_ptr<Store> open_store_url(const std::string& url_or_path) {
    const std::string_view text = url_or_path;
    if (text.starts_with("postgresql://") || text.starts_with("postgres://")) {
        return open_postgres_store(url_or_path);
    }
    StoreOptions options;
    options.path = url_or_path;
    return open_sqlite_store(options);
}

}  // namespace mynaq
