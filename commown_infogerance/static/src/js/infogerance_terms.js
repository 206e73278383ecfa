odoo.define("commown_infogerance.terms", function (require) {
    "use strict";

    var ajax = require("web.ajax");

    // Shop payment page: the pay button stays disabled until the customer
    // accepts the conditions of the offers; the acceptance is recorded on the
    // order at once (the server refuses the payment without it anyway).
    $(function () {
        var $box = $("#o_infogerance_accept_terms");
        if (!$box.length) {
            return;
        }
        var $pay = $("#o_payment_form_pay");
        var sync = function () {
            $pay.prop("disabled", !$box.prop("checked"));
        };
        sync();
        $box.on("change", function () {
            if (!$box.prop("checked")) {
                sync();
                return;
            }
            ajax.jsonRpc("/shop/infogerance/accept-conditions", "call", {accepted: true}).then(
                function (result) {
                    $box.prop("checked", Boolean(result.accepted));
                    sync();
                }
            );
        });
    });
});
