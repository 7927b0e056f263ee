import PonteIFood
import PonteKiosk
import PonteKit
import PonteOrders
import PonteOutbound
import PonteVenues

/// The business modules every hub process runs, in order. `ponte serve` and `ponte worker`
/// both assemble this list; adding a module means adding its target and one line here.
public enum HubModules {
    public static let all: [any HubModule] = [
        OutboundModule(),
        IFoodPollingModule(),
        OrdersModule(),
        KioskModule(),
        VenuesModule(),
    ]
}
